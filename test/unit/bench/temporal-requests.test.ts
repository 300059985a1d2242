import { strict as assert } from 'node:assert';
import { addDifference, parseRequestCounts, requestsPerRun } from '../../../bench/temporalRequests';

const page = (start: number, update: number) => `# HELP service_requests service_requests counter
# TYPE service_requests counter
service_requests{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} ${start}
service_requests{namespace="temporal_system",operation="StartWorkflowExecution",service_name="frontend"} 7
persistence_requests{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} ${update}
persistence_requests{namespace="system",operation="UpdateWorkflowExecution",service_name="history"} 1
service_latency_count{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 99
`;

describe("the bench's Temporal request counts", () => {
  it('counts requests by service and operation and persistence calls by operation, leaving out the internal namespace and other metrics', () => {
    const counts = parseRequestCounts(page(3, 10));
    assert.deepEqual([...counts], [
      ['frontend StartWorkflowExecution', 3],
      ['persistence UpdateWorkflowExecution', 11],
    ]);
  });

  it('prints what was asked between two scrapes per run, most asked first, dropping what is asked less than once in 20 runs', () => {
    const sum = new Map<string, number>();
    addDifference(sum, parseRequestCounts(page(3, 10)), parseRequestCounts(page(103, 1210)));
    addDifference(sum, new Map(), new Map([['matching AddWorkflowTask', 4]]));
    assert.equal(requestsPerRun(sum, 100), 'persistence UpdateWorkflowExecution 12.00 · frontend StartWorkflowExecution 1.00');
  });
});
