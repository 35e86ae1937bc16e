import { projectionRunnerContract } from './projection-runner.contract';

projectionRunnerContract('sqlite');
