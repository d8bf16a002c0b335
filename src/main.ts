// The composition root: the one place that turns configuration into the services the commands use. The
// gateway's pools, queues and servers will be created here too; the X12 tools need only the specs.
import { DEFAULT_SPECS_DIR, loadSpecs, type LoadedSpecs } from './config/x12-specs.ts';

export interface X12Services {
  specs: LoadedSpecs;
}

export function createX12Services(options: { specsDir?: string } = {}): X12Services {
  return { specs: loadSpecs(options.specsDir ?? process.env.DOCKSIDE_SPECS_DIR ?? DEFAULT_SPECS_DIR) };
}
