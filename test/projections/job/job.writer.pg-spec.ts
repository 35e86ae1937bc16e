import { jobWriterContract } from './job.writer.contract';

jobWriterContract('postgres');
