/** The SQLite read model (read-model.sqlite beside a store) passes the read model contract, written on the caller's thread and on a thread of its own. */
import { makeSqliteContractStore, readModelContract } from '../contract/read-model-contract.ts';

readModelContract('sqlite', (batches) => makeSqliteContractStore(batches));
readModelContract('sqlite, writer thread', (batches) => makeSqliteContractStore(batches, true));
