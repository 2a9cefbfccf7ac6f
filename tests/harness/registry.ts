/**
 * The test tree built by describe/it calls while the bundled test files are evaluated. One root
 * suite per test file (enterFile), so failures are reported as "file > describe > test".
 */
export type HookFn = () => unknown | Promise<unknown>;
export type TestFn = () => unknown | Promise<unknown>;

export interface TestCase {
  kind: 'test';
  name: string;
  fn: TestFn;
  skip: boolean;
  timeoutMs: number | undefined;
}

export interface Suite {
  kind: 'suite';
  name: string;
  children: Array<Suite | TestCase>;
  beforeAll: HookFn[];
  afterAll: HookFn[];
  beforeEach: HookFn[];
  afterEach: HookFn[];
  skip: boolean;
}

function newSuite(name: string, skip: boolean): Suite {
  return { kind: 'suite', name, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], skip };
}

export const root: Suite = newSuite('', false);
let current: Suite = root;

/** Starts the top-level suite of one test file; the bundle entry calls it before importing the file. */
export function enterFile(fileName: string): void {
  const fileSuite = newSuite(fileName, false);
  root.children.push(fileSuite);
  current = fileSuite;
}

export function addSuite(name: string, body: () => void, skip: boolean): void {
  const suite = newSuite(name, skip);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    const result = body() as unknown;
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      throw new Error(`describe('${name}') must not be async: tests are collected synchronously`);
    }
  } finally {
    current = parent;
  }
}

export function addTest(name: string, fn: TestFn | undefined, skip: boolean, timeoutMs?: number): void {
  current.children.push({ kind: 'test', name, fn: fn ?? (() => undefined), skip: skip || !fn, timeoutMs });
}

export function addBeforeAll(fn: HookFn): void {
  current.beforeAll.push(fn);
}

export function addAfterAll(fn: HookFn): void {
  current.afterAll.push(fn);
}

export function addBeforeEach(fn: HookFn): void {
  current.beforeEach.push(fn);
}

export function addAfterEach(fn: HookFn): void {
  current.afterEach.push(fn);
}
