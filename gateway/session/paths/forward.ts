// The port-forward data path (`ssh -L`, `ssh -W`): the operator's channel piped to a TCP stream
// on the target's host, both ways, counted. Either side closing (or failing: both have an error
// listener, so a failing forward ends that forward and never the process) ends the forward.
import type { Duplex } from 'node:stream';
import type { DataPath, PathContext } from './types.ts';

export function startForwardPath(o: { ctx: PathContext; operator: Duplex; target: Duplex }): DataPath {
  const { ctx, operator, target } = o;
  let bytesIn = 0;
  let bytesOut = 0;
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    operator.destroy();
    target.destroy();
    ctx.ended({});
  };
  // Counting listeners next to pipe(): pipe() keeps the backpressure, both see every chunk.
  operator.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
    ctx.traffic(bytesIn, bytesOut);
  });
  target.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    ctx.traffic(bytesIn, bytesOut);
  });
  for (const side of [operator, target]) {
    side.on('error', finish);
    side.once('close', finish);
  }
  operator.pipe(target).pipe(operator);
  return {
    // A forward has no text channel of its own: the operator's client sees the channel close.
    stop: finish,
    warn: () => undefined,
    screen: () => Buffer.alloc(0),
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
  };
}
