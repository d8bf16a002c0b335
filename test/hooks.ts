// Root hooks for every mocha run: shared database connections are closed once all suites are done.
import { closeEngines } from './helpers/store.ts';

export const mochaHooks = {
  async afterAll() {
    await closeEngines();
  },
};
