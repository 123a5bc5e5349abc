import { readFileSync } from 'node:fs';

/**
 * This process's own peak RSS in bytes. Linux carries getrusage's maxRSS over fork and exec, so a case spawned by a
 * large bench runner would report the runner's RSS at the fork; /proc/self/status VmHWM is the high-water mark of
 * this process's own memory. Elsewhere maxRSS is the best there is.
 */
export function ownPeakRss(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
