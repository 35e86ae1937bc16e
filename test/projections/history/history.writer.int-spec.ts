import { historyWriterContract } from './history.writer.contract';

historyWriterContract('sqlite');
