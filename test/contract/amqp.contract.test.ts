import { contractSuite } from './support/contract-suite.js';
import { amqpTransport } from './support/contract-transport.js';

contractSuite(amqpTransport);
