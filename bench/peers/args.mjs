// Command-line options of bench/peers.mjs (documented in its header).

export function parsePeerArgs(argv) {
  const out = { batches: [1], quick: false, filter: null, timeJs: true, scalar: true, rounds: null, relaxed: true, dcd: true,
    clock: 'wall', threads: 2, backward: true, reexec: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`bench:peers: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') out.quick = true;
    else if (a === '--batch') out.batches = value().split(',').map((v) => positiveInt(v, a));
    else if (a === '--filter') out.filter = new RegExp(value());
    else if (a === '--rounds') out.rounds = positiveInt(value(), a);
    else if (a === '--no-js') out.timeJs = false;
    else if (a === '--no-scalar') out.scalar = false;
    else if (a === '--no-relaxed') out.relaxed = false;
    else if (a === '--no-dcd') out.dcd = false;
    else if (a === '--no-threads') out.threads = 0;
    else if (a === '--threads') out.threads = positiveInt(value(), a);
    else if (a === '--no-backward') out.backward = false;
    else if (a === '--no-reexec') out.reexec = false;
    else if (a === '--clock') {
      out.clock = value();
      if (out.clock !== 'wall' && out.clock !== 'cpu') throw new Error(`bench:peers: --clock takes wall or cpu, got "${out.clock}"`);
    }
    else throw new Error(`bench:peers: unknown argument "${a}" (see the header of bench/peers.mjs)`);
  }
  return out;
}

function positiveInt(v, flag) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:peers: ${flag} takes positive integers, got "${v}"`);
  return n;
}
