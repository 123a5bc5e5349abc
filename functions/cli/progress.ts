/** A progress bar on stderr for long CLI work; plain lines when stderr is not a terminal (CI, pipes). */
export function progress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): { tick(item: string): void; done(): void } {
  let count = 0;
  let lastPercent = -1;
  return {
    tick(item) {
      count++;
      const percent = Math.floor((count / total) * 100);
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round((count / total) * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count}/${total} ${item.slice(0, 40).padEnd(40)}`);
      } else if (percent >= lastPercent + 10 || count === total) {
        lastPercent = percent;
        stream.write(`${label}: ${count}/${total} (${percent}%)\n`);
      }
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
