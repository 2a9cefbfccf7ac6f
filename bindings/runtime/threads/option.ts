/** init({ threads }): the option's type and its validation, shared by start.ts and the slim entry's start_slim.ts. */
import { OptionError } from '../../errors';
import { describe } from '../../ops/checks';

/** Threads for init({ threads }): a count from 1 to 64, or 'auto' (the cores, at most 8). */
export type ThreadsOption = number | 'auto';

export interface ThreadPlan {
  threads: number;
  /** Why fewer threads than asked were used ('auto' fallback). */
  note?: string;
}

const MAX_THREADS = 64;

/** OptionError unless undefined, 1 … 64 or 'auto'; true when more than one thread is asked for. */
export function checkThreadsOption(op: string, option: unknown): boolean {
  if (option === undefined || option === 1) return false;
  if (option !== 'auto' && !(Number.isInteger(option) && (option as number) >= 1 && (option as number) <= MAX_THREADS)) {
    throw new OptionError(`${op}: threads must be an integer from 1 to ${MAX_THREADS} or 'auto', got ${describe(option)}`);
  }
  return true;
}
