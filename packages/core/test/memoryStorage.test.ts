import { createMemoryStorage } from '@publishgate/core';
import { runStorageConformance } from '@publishgate/core/testing';

runStorageConformance({ name: 'memory', create: () => createMemoryStorage() });
runStorageConformance({ name: 'memory without cloning', create: () => createMemoryStorage({ clone: false }) });
