/** The SQLite read model (read-model.sqlite beside a store) passes the read model contract. */
import { makeSqliteContractStore, readModelContract } from '../contract/read-model-contract.ts';

readModelContract('sqlite', makeSqliteContractStore);
