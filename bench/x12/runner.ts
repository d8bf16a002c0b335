// One tool on one file, in its own process: prints {tool, seconds, segments, rssKB} as JSON. run.ts bundles
// this file with the parsers it compares (no TypeScript loader in the measured process) and starts one
// process per measurement. node-x12 and x12-parser are devDependencies, here and in the differential test
// only.
import { createReadStream, readFileSync } from 'node:fs';
import { analyze } from '../../src/x12/analyzer.ts';
import { loadSpecs } from '../../src/config/x12-specs.ts';
import { X12Parser } from 'node-x12';
import { X12parser } from 'x12-parser';

type Tool = 'dockside-envelope' | 'dockside-full' | 'node-x12-parse' | 'node-x12-stream' | 'x12-parser';

/** Work done before the clock starts: loading the specs is start-up, not reading. */
function prepare(tool: Tool, specsDir: string) {
  if (tool !== 'dockside-full') return undefined;
  const specs = loadSpecs(specsDir);
  if (specs.errors.length > 0) throw new Error(specs.errors.join('\n'));
  return specs.registry;
}

async function count(tool: Tool, file: string, specs: ReturnType<typeof prepare>): Promise<number> {
  switch (tool) {
    case 'dockside-envelope': {
      const r = await analyze(createReadStream(file, { highWaterMark: 256 * 1024 }), { retain: false });
      return r.segments;
    }
    case 'dockside-full': {
      const r = await analyze(createReadStream(file, { highWaterMark: 256 * 1024 }), {
        specs,
        retain: false,
      });
      if (r.issues.some((i) => i.severity === 'error'))
        throw new Error(`the benchmark file is not valid: ${r.issues[0]!.message}`);
      return r.segments;
    }
    case 'node-x12-parse': {
      const parsed = new X12Parser(true).parse(readFileSync(file, 'utf8')) as unknown as {
        interchanges?: unknown[];
      };
      return Array.isArray(parsed.interchanges) ? parsed.interchanges.length : 1;
    }
    case 'node-x12-stream': {
      return countStream(createReadStream(file).pipe(new X12Parser()));
    }
    case 'x12-parser': {
      return countStream(createReadStream(file).pipe(new X12parser()));
    }
  }
}

function countStream(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', () => n++);
    stream.on('error', reject);
    stream.on('end', () => resolve(n));
  });
}

const [tool, file, specsDir] = process.argv.slice(2) as [Tool, string, string];
const specs = prepare(tool, specsDir);
const started = performance.now();
const segments = await count(tool, file, specs);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ tool, seconds, segments, rssKB: process.resourceUsage().maxRSS })}\n`,
);
