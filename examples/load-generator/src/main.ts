import { parseArgs } from 'node:util';
import { formatSummary, runLoad } from './load-generator';

const HELP = `load-generator: realistic traffic for the sample app, then a summary

  --target <url>        LOAD_TARGET        default http://localhost:3000
  --rate <n>            LOAD_RATE          paced requests per second (spikes on top), default 10
  --duration <s>        LOAD_DURATION      stop after this many seconds, default 60
  --max-requests <n>    LOAD_MAX_REQUESTS  stop after this many requests, default 10000
  --mix <n,s,f>         LOAD_MIX           shares of normal, spike and failing requests, default 70,20,10
  --burst <n>           LOAD_BURST         requests per spike, default 10
  --seed <n>            LOAD_SEED          same seed, same traffic, default 1
  --json                                   print the summary as JSON`;

function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'max-requests': { type: 'string' },
      mix: { type: 'string' },
      burst: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return Promise.resolve();
  }
  const env = process.env;
  const number = (name: string, value: string | undefined, fallback: number, min: number) => {
    const n = Number(value ?? fallback);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}, not '${value}'`);
    return n;
  };
  const mixText = values.mix ?? env.LOAD_MIX ?? '70,20,10';
  const mix = mixText.split(',').map(Number);
  if (mix.length !== 3 || mix.some((n) => !Number.isFinite(n) || n < 0) || mix.every((n) => n === 0))
    throw new Error(`--mix must be three shares such as 70,20,10, not '${mixText}'`);
  const target = values.target ?? env.LOAD_TARGET ?? 'http://localhost:3000';
  if (!/^https?:\/\//.test(target)) throw new Error(`--target must be an http(s) URL, not '${target}'`);
  return runLoad(
    {
      target,
      rate: number('rate', values.rate ?? env.LOAD_RATE, 10, 0.1),
      durationSeconds: number('duration', values.duration ?? env.LOAD_DURATION, 60, 1),
      maxRequests: number('max-requests', values['max-requests'] ?? env.LOAD_MAX_REQUESTS, 10000, 1),
      mix: { normal: mix[0], spike: mix[1], failure: mix[2] },
      burstSize: number('burst', values.burst ?? env.LOAD_BURST, 10, 1),
      seed: number('seed', values.seed ?? env.LOAD_SEED, 1, 0),
    },
    (line) => console.error(line),
  ).then((summary) => console.log(values.json ? JSON.stringify(summary) : formatSummary(summary)));
}

Promise.resolve()
  .then(main)
  .catch((error: Error) => {
    console.error(`load-generator: ${error.message}`);
    process.exitCode = 2;
  });
