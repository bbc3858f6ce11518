/** Jest in native ESM mode (NODE_OPTIONS=--experimental-vm-modules): @nestjs/* 12 is ESM-only. */
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^nestjs-amqp-events$': '<rootDir>/libs/events/src/index.ts',
    '^nestjs-amqp-events/(.*)$': '<rootDir>/libs/events/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'] },
  ],
};
