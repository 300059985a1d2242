// Acceptance, file store: media at real sizes travels by reference (see mediaAtSizeSuite).
import { startTestApi } from '../support/api';
import { mediaAtSizeSuite } from './mediaAtSizeSuite';

// The contract checker (Ajv and the OpenAPI document, built at the first answer) stays out of this process:
// the RSS figure is the worker's and the API's, not the test harness's. Every other API test checks the contract.
mediaAtSizeSuite('media at real sizes (file store)', () => startTestApi({ contract: 'off' }), { rssBound: true });
