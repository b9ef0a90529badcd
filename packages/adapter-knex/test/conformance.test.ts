import type { StoragePort } from '@publishgate/core';
import { runStorageConformance } from '@publishgate/core/conformance';
import { describe } from 'vitest';
import { type Store, testBackends } from './backends.ts';

describe.each(testBackends('adapter-knex conformance'))('$name', (backend) => {
  describe.skipIf(!backend.available)('knex storage', () => {
    const stores = new Map<StoragePort, Store>();
    runStorageConformance({
      name: `knex on ${backend.name}`,
      async create() {
        const store = await backend.freshStore();
        try {
          const { storage } = await store.storage();
          stores.set(storage, store);
          return storage;
        } catch (error) {
          await store.drop();
          throw error;
        }
      },
      async destroy(storage) {
        await stores.get(storage)?.drop();
        stores.delete(storage);
      },
      async createShared(count) {
        const store = await backend.freshStore();
        try {
          // Separate knex instances, each with its own pool, as separate servers would have.
          const instances: StoragePort[] = [];
          for (let index = 0; index < count; index += 1) instances.push((await store.storage()).storage);
          return { instances, destroy: () => store.drop() };
        } catch (error) {
          await store.drop();
          throw error;
        }
      },
    });
  });
});
