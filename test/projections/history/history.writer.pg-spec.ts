import { historyWriterContract } from './history.writer.contract';

historyWriterContract('postgres');
