import { projectionRunnerContract } from './projection-runner.contract';

projectionRunnerContract('postgres');
