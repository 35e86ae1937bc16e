import { readModelQueriesContract } from './read-model-queries.contract';

readModelQueriesContract('sqlite');
