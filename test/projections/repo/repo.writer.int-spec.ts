import { repoWriterContract } from './repo.writer.contract';

repoWriterContract('sqlite');
