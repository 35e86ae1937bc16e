import { jobWriterContract } from './job.writer.contract';

jobWriterContract('sqlite');
