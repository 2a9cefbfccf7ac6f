/** The bits of a float32 as an i32: how an f32 travels through an i32 slot (a plan word, a pool task argument). */
const view = new DataView(new ArrayBuffer(4));

export function f32Bits(v: number): number {
  view.setFloat32(0, v, true);
  return view.getInt32(0, true);
}
