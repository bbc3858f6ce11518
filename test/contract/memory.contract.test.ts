import { contractSuite } from './support/contract-suite.js';
import { memoryTransport } from './support/contract-transport.js';

contractSuite(memoryTransport);
