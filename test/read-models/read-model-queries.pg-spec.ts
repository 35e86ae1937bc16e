import { readModelQueriesContract } from './read-model-queries.contract';

readModelQueriesContract('postgres');
