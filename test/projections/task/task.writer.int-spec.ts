import { taskWriterContract } from './task.writer.contract';

taskWriterContract('sqlite');
