import { sqlFollowerCheckpointsContract } from './sql-follower-checkpoints.contract';

sqlFollowerCheckpointsContract('sqlite');
