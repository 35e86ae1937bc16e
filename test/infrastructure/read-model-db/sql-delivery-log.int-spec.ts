import { deliveryLogContract } from './sql-delivery-log.contract';

deliveryLogContract('sqlite');
