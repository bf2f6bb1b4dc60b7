import type { RouteModule } from '../app';
import { systemRoutes } from './system';
import { enrollmentRoutes } from './enrollment';
import { meRoutes } from './me';
import { sessionRoutes } from './session';
import { storeRoutes } from './stores';
import { terminalRoutes } from './terminals';
import { userRoutes } from './users';
import { credentialRoutes } from './credentials';
import { hqChangeRoutes } from './hq-changes';
import { stockRoutes } from './stock';
import { transferRoutes } from './transfers';
import { eventRoutes } from './events';
import { ledgerRoutes } from './ledger';
import { schemaRoutes } from './schemas';
import { customerRoutes } from './customers';
import { dashboardRoutes } from './dashboard';
import { saleDetailRoutes } from './sale-detail';
import { propagationRoutes } from './propagation';
import { channelRoutes } from './channels';
import { hqConsoleRoutes } from './hq-console';
import { handheldRoutes } from './handheld';
import { productRoutes } from './products';
import { hqWriteRoutes } from './hq-writes';
import { booksRoutes } from './books';
import { replacementRoutes } from './replacement';
import { updateRoutes } from './updates';
import { integrityRoutes } from './integrity';

// One module per resource; a new resource is a new file here and one line below.
export const ROUTE_MODULES: RouteModule[] = [
  systemRoutes,
  enrollmentRoutes,
  meRoutes,
  sessionRoutes,
  storeRoutes,
  terminalRoutes,
  userRoutes,
  credentialRoutes,
  hqChangeRoutes,
  stockRoutes,
  transferRoutes,
  eventRoutes,
  ledgerRoutes,
  schemaRoutes,
  customerRoutes,
  dashboardRoutes,
  saleDetailRoutes,
  propagationRoutes,
  channelRoutes,
  hqConsoleRoutes,
  handheldRoutes,
  productRoutes,
  hqWriteRoutes,
  booksRoutes,
  replacementRoutes,
  updateRoutes,
  integrityRoutes,
];
