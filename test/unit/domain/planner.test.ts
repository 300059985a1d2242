import assert from 'node:assert/strict';
import { downstreamOf, planRun } from '../../../src/domain/planner';
import { nonRetryableFailureTypes } from '../../../src/domain/retryability';
import { NODE_MODULES, type NodeTypeId } from '../../../src/nodes/registry';
import { edge, expectPlanError, graph, linearGraph, node, requestInput } from './builders';

/** input -> two parallel text nodes -> template -> output. */
function diamond() {
  return graph(
    [
      requestInput('input', [{ name: 'topic', type: 'string' }]),
      node('a', 'text-generation'),
      node('b', 'text-generation', { model: 'gpt-4o-mini' }),
      node('template', 'template', { template: '{{ left }} / {{ right }}' }),
      node('output', 'response-output'),
    ],
    [
      edge('input.topic', 'a.prompt'),
      edge('input.topic', 'b.prompt'),
      edge('a.text', 'template.left'),
      edge('b.text', 'template.right'),
      edge('template.text', 'output.value'),
    ],
  );
}

function stepOf(plan: ReturnType<typeof planRun>, id: string) {
  const found = plan.steps.find((step) => step.id === id);
  assert.ok(found, `step ${id} is in the plan`);
  return found;
}

describe('planner: what a run executes', () => {
  describe('choosing the target', () => {
    it('targets the single Response Output node when no target is named', () => {
      const plan = planRun(linearGraph());
      assert.equal(plan.targetNodeId, 'output');
    });

    it('targets the named node and runs only what feeds it', () => {
      const plan = planRun(linearGraph(), 'writer');
      assert.equal(plan.targetNodeId, 'writer');
      assert.deepEqual(plan.groups, [['input'], ['writer']]);
      assert.deepEqual(plan.steps.map((step) => step.id), ['input', 'writer']);
    });

    it('refuses a workflow without a Response Output node when no target is named', () => {
      const canvas = graph([requestInput('input', [{ name: 'topic', type: 'string' }])]);
      expectPlanError(() => planRun(canvas), 'NO_TARGET', { responseOutputs: [] });
    });

    it('runs every Response Output node when no target is named, each keyed by its name or id', () => {
      const canvas = graph(
        [
          requestInput('input', [{ name: 'topic', type: 'string' }]),
          node('writer', 'text-generation', { prompt: 'hi' }),
          node('painter', 'image-generation', { prompt: 'a picture' }),
          { ...node('out1', 'response-output'), name: 'story' },
          node('out2', 'response-output'),
        ],
        [edge('input.topic', 'writer.topic'), edge('writer.text', 'out1.value'), edge('painter.image', 'out2.value')],
      );
      const plan = planRun(canvas);
      assert.deepEqual(plan.outputs, [
        { nodeId: 'out1', key: 'story' },
        { nodeId: 'out2', key: 'out2' },
      ]);
      assert.deepEqual(plan.groups, [['input', 'painter'], ['writer', 'out2'], ['out1']]);
      assert.equal(plan.targetNodeId, 'out1,out2');
    });

    it('keys outputs by id when two Response Output nodes share a name', () => {
      const canvas = graph(
        [node('writer', 'text-generation', { prompt: 'hi' }), { ...node('a', 'response-output'), name: 'same' }, { ...node('b', 'response-output'), name: 'same' }],
        [edge('writer.text', 'a.value'), edge('writer.text', 'b.value')],
      );
      assert.deepEqual(planRun(canvas).outputs?.map((output) => output.key), ['a', 'b']);
    });

    it('runs one of several Response Output nodes when it is named', () => {
      const canvas = graph(
        [node('writer', 'text-generation', { prompt: 'hi' }), node('out1', 'response-output'), node('out2', 'response-output')],
        [edge('writer.text', 'out1.value'), edge('writer.text', 'out2.value')],
      );
      const plan = planRun(canvas, 'out2');
      assert.deepEqual(plan.groups, [['writer'], ['out2']]);
      assert.equal(plan.targetNodeId, 'out2');
      assert.equal(plan.outputs, undefined, 'a named target gives its own output, unkeyed');
    });

    it('refuses a target that is not on the canvas', () => {
      expectPlanError(() => planRun(linearGraph(), 'ghost'), 'UNKNOWN_NODE', { nodeId: 'ghost' });
    });

    it('refuses a note as the target because notes never run', () => {
      const canvas = linearGraph();
      canvas.nodes.push(node('memo', 'note', { text: 'remember to ship' }));
      expectPlanError(() => planRun(canvas, 'memo'), 'NOT_EXECUTABLE', { nodeId: 'memo' });
    });
  });

  describe('the upstream subgraph', () => {
    it('leaves out nodes that do not feed the target, and notes', () => {
      const canvas = linearGraph();
      canvas.nodes.push(
        node('memo', 'note', { text: 'explains the flow' }),
        node('unrelated', 'text-generation', { prompt: 'not part of this run' }),
        node('image', 'image-generation'),
      );
      canvas.edges.push(edge('writer.text', 'image.prompt'));
      const plan = planRun(canvas);
      assert.deepEqual(plan.steps.map((step) => step.id).sort(), ['input', 'output', 'writer']);
    });

    it('leaves out nodes downstream of a named target', () => {
      const plan = planRun(diamond(), 'a');
      assert.deepEqual(plan.groups, [['input'], ['a']]);
    });

    it('follows every path upstream, however long', () => {
      const canvas = graph(
        [
          node('t1', 'text-generation', { prompt: 'start' }),
          node('t2', 'text-generation'),
          node('t3', 'text-generation'),
          node('t4', 'text-generation'),
          node('output', 'response-output'),
        ],
        [edge('t1.text', 't2.prompt'), edge('t2.text', 't3.prompt'), edge('t3.text', 't4.prompt'), edge('t4.text', 'output.value')],
      );
      assert.deepEqual(planRun(canvas).groups, [['t1'], ['t2'], ['t3'], ['t4'], ['output']]);
    });
  });

  describe('parallel groups', () => {
    it('runs two independent branches of a diamond in the same parallel group', () => {
      const plan = planRun(diamond());
      assert.deepEqual(plan.groups, [['input'], ['a', 'b'], ['template'], ['output']]);
    });

    it('gives each step the index of its group', () => {
      const plan = planRun(diamond());
      for (const [index, group] of plan.groups.entries()) {
        for (const id of group) assert.equal(stepOf(plan, id).groupIndex, index, id);
      }
    });

    it('places a step after the longest path that feeds it', () => {
      // `shortcut` feeds the template directly, yet the template must wait for `a` too.
      const canvas = diamond();
      canvas.nodes.push(node('shortcut', 'text-generation', { prompt: 'x' }));
      canvas.edges.push(edge('shortcut.text', 'template.extra'));
      const plan = planRun(canvas);
      assert.equal(stepOf(plan, 'shortcut').groupIndex, 0);
      assert.equal(stepOf(plan, 'template').groupIndex, 2);
      assert.deepEqual(plan.groups, [['input', 'shortcut'], ['a', 'b'], ['template'], ['output']]);
    });

    it('puts every step of the plan in exactly one group', () => {
      const plan = planRun(diamond());
      assert.deepEqual(plan.groups.flat().sort(), plan.steps.map((step) => step.id).sort());
    });
  });

  describe('dependencies and input bindings', () => {
    it('records which upstream steps a step depends on', () => {
      const plan = planRun(diamond());
      assert.deepEqual(stepOf(plan, 'input').dependsOn, []);
      assert.deepEqual(stepOf(plan, 'a').dependsOn, ['input']);
      assert.deepEqual(stepOf(plan, 'template').dependsOn, ['a', 'b']);
    });

    it('binds each input port to the upstream node and output port that feeds it', () => {
      const plan = planRun(diamond());
      assert.deepEqual(stepOf(plan, 'template').inputs, [
        { port: 'left', sourceNodeId: 'a', sourcePort: 'text' },
        { port: 'right', sourceNodeId: 'b', sourcePort: 'text' },
      ]);
    });

    it('lists an upstream step once in dependsOn when it feeds several ports', () => {
      const canvas = graph(
        [requestInput('input', [{ name: 'q', type: 'string' }, { name: 'tone', type: 'string' }]), node('writer', 'text-generation'), node('output', 'response-output')],
        [edge('input.q', 'writer.prompt'), edge('input.tone', 'writer.system'), edge('writer.text', 'output.value')],
      );
      const writer = stepOf(planRun(canvas), 'writer');
      assert.deepEqual(writer.dependsOn, ['input']);
      assert.deepEqual(writer.inputs, [
        { port: 'prompt', sourceNodeId: 'input', sourcePort: 'q' },
        { port: 'system', sourceNodeId: 'input', sourcePort: 'tone' },
      ]);
    });

    it('copies the node type, step kind, config and a readable name onto each step', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = { ...node('writer', 'text-generation', { temperature: 0.2 }), name: 'Headline writer' };
      const plan = planRun(canvas);
      const writer = stepOf(plan, 'writer');
      assert.equal(writer.name, 'Headline writer');
      assert.equal(writer.nodeType, 'text-generation');
      assert.equal(writer.kind, 'activity');
      assert.equal(writer.kind === 'activity' && writer.activity, 'generateText');
      assert.deepEqual(writer.config, { temperature: 0.2 });
      assert.equal(stepOf(plan, 'output').name, 'Response Output output');
      assert.equal(stepOf(plan, 'output').kind, 'inline');
    });
  });

  describe('models', () => {
    it("uses the node type's default model when none is configured", () => {
      const plan = planRun(diamond());
      assert.equal(stepOf(plan, 'a').model, 'sandbox-text');
    });

    it('uses the configured model', () => {
      assert.equal(stepOf(planRun(diamond()), 'b').model, 'gpt-4o-mini');
    });

    it('gives nodes without a model kind no model', () => {
      const plan = planRun(diamond());
      assert.equal(stepOf(plan, 'template').model, undefined);
      assert.equal(Object.hasOwn(stepOf(plan, 'template'), 'model'), false);
    });

    it('refuses a model that does not exist', () => {
      const canvas = diamond();
      canvas.nodes[1] = node('a', 'text-generation', { model: 'gpt-99' });
      expectPlanError(() => planRun(canvas), 'UNKNOWN_MODEL', { nodeId: 'a', model: 'gpt-99' });
    });

    it('refuses a model of the wrong kind, such as an image model on a text node', () => {
      const canvas = diamond();
      canvas.nodes[1] = node('a', 'text-generation', { model: 'sandbox-image' });
      expectPlanError(() => planRun(canvas), 'UNKNOWN_MODEL', { nodeId: 'a', model: 'sandbox-image' });
    });

    it('does not check models of nodes outside the planned subgraph', () => {
      const canvas = diamond();
      canvas.nodes[1] = node('a', 'text-generation', { model: 'gpt-99' });
      assert.deepEqual(planRun(canvas, 'b').groups, [['input'], ['b']]);
    });
  });

  describe('required inputs', () => {
    it('refuses a Text Generation node with neither a prompt edge nor config.prompt', () => {
      const canvas = graph([node('writer', 'text-generation'), node('output', 'response-output')], [edge('writer.text', 'output.value')]);
      const error = expectPlanError(() => planRun(canvas), 'MISSING_REQUIRED_INPUT', { nodeId: 'writer', port: 'prompt' });
      assert.match(error.message, /config\.prompt/);
    });

    it('accepts config.prompt in place of a prompt edge', () => {
      const canvas = graph(
        [node('writer', 'text-generation', { prompt: 'Write a haiku' }), node('output', 'response-output')],
        [edge('writer.text', 'output.value')],
      );
      assert.deepEqual(planRun(canvas).groups, [['writer'], ['output']]);
    });

    it('does not count a blank config.prompt as a prompt', () => {
      const canvas = graph([node('writer', 'text-generation', { prompt: '   ' }), node('output', 'response-output')], [edge('writer.text', 'output.value')]);
      expectPlanError(() => planRun(canvas), 'MISSING_REQUIRED_INPUT', { nodeId: 'writer', port: 'prompt' });
    });

    it('does not require the optional system input', () => {
      assert.doesNotThrow(() => planRun(linearGraph()));
    });

    it('refuses an HTTP Request node with neither a url edge nor config.url, and accepts config.url', () => {
      const build = (config: Record<string, unknown>) =>
        graph([node('call', 'http-request', config), node('output', 'response-output')], [edge('call.body', 'output.value')]);
      expectPlanError(() => planRun(build({})), 'MISSING_REQUIRED_INPUT', { nodeId: 'call', port: 'url' });
      assert.doesNotThrow(() => planRun(build({ url: 'https://example.com' })));
    });

    it('refuses image and video nodes without a prompt', () => {
      for (const type of ['image-generation', 'video-generation']) {
        const canvas = graph([node('media', type)]);
        expectPlanError(() => planRun(canvas, 'media'), 'MISSING_REQUIRED_INPUT', { nodeId: 'media', port: 'prompt' });
      }
    });

    it('refuses a Response Output node with nothing connected', () => {
      const canvas = graph([node('output', 'response-output')]);
      expectPlanError(() => planRun(canvas), 'MISSING_REQUIRED_INPUT', { nodeId: 'output', port: '*' });
    });

    it('does not check required inputs of nodes outside the planned subgraph', () => {
      const canvas = linearGraph();
      canvas.nodes.push(node('idle', 'text-generation'));
      assert.doesNotThrow(() => planRun(canvas));
    });
  });

  describe('refusing broken graphs before anything runs', () => {
    it('refuses a cycle and names the nodes on it', () => {
      const canvas = graph(
        [node('a', 'text-generation'), node('b', 'text-generation'), node('c', 'text-generation')],
        [edge('a.text', 'b.prompt'), edge('b.text', 'c.prompt'), edge('c.text', 'a.prompt')],
      );
      const error = expectPlanError(() => planRun(canvas, 'c'), 'CYCLE');
      assert.deepEqual([...(error.details.nodeIds as string[])].sort(), ['a', 'b', 'c']);
      assert.match(error.message, /"a".*"b".*"c"/);
    });

    it('refuses a node that feeds itself', () => {
      const canvas = graph([node('loop', 'text-generation')], [edge('loop.text', 'loop.prompt')]);
      expectPlanError(() => planRun(canvas, 'loop'), 'CYCLE', { nodeIds: ['loop'] });
    });

    it('refuses a cycle even when it does not feed the target', () => {
      const canvas = linearGraph();
      canvas.nodes.push(node('x', 'text-generation'), node('y', 'text-generation'));
      canvas.edges.push(edge('x.text', 'y.prompt'), edge('y.text', 'x.prompt'));
      const error = expectPlanError(() => planRun(canvas), 'CYCLE');
      assert.deepEqual([...(error.details.nodeIds as string[])].sort(), ['x', 'y']);
    });

    it('names only the nodes on the cycle, not the nodes downstream of it', () => {
      const canvas = graph(
        [node('a', 'text-generation'), node('b', 'text-generation'), node('output', 'response-output')],
        [edge('a.text', 'b.prompt'), edge('b.text', 'a.prompt'), edge('b.text', 'output.value')],
      );
      const error = expectPlanError(() => planRun(canvas), 'CYCLE');
      assert.deepEqual([...(error.details.nodeIds as string[])].sort(), ['a', 'b']);
    });

    it('refuses an edge to a node that is not on the canvas', () => {
      const canvas = linearGraph();
      canvas.edges.push(edge('writer.text', 'ghost.value', 'e-ghost'));
      const error = expectPlanError(() => planRun(canvas), 'DANGLING_EDGE', { edge: 'e-ghost', nodeId: 'ghost' });
      assert.match(error.message, /ghost/);
    });

    it('refuses an edge from a node that is not on the canvas, naming the edge by index when it has no id', () => {
      const canvas = linearGraph();
      canvas.edges.push(edge('ghost.text', 'output.extra'));
      expectPlanError(() => planRun(canvas), 'DANGLING_EDGE', { edge: 2, nodeId: 'ghost' });
    });

    it('refuses an edge from an output port the source node does not have', () => {
      const canvas = linearGraph();
      canvas.edges[1] = edge('writer.image', 'output.value', 'e1');
      expectPlanError(() => planRun(canvas), 'UNKNOWN_PORT', { edge: 'e1', nodeId: 'writer', port: 'image' });
    });

    it('refuses an edge from a Request Input field that is not declared', () => {
      const canvas = linearGraph();
      canvas.edges[0] = edge('input.subject', 'writer.prompt');
      expectPlanError(() => planRun(canvas), 'UNKNOWN_PORT', { edge: 0, nodeId: 'input', port: 'subject' });
    });

    it('refuses an edge into a Request Input node, which has no input ports', () => {
      const canvas = linearGraph();
      canvas.edges.push(edge('writer.text', 'input.topic', 'back'));
      expectPlanError(() => planRun(canvas), 'UNKNOWN_PORT', { edge: 'back', nodeId: 'input', port: 'topic' });
    });

    it('accepts any input port name on nodes that take template variables', () => {
      const canvas = graph(
        [node('call', 'http-request', { url: 'https://example.com/{{ slug }}' }), node('writer', 'text-generation', { prompt: 'x' }), node('output', 'response-output')],
        [edge('writer.text', 'call.slug'), edge('call.body', 'output.value')],
      );
      assert.deepEqual(planRun(canvas).groups, [['writer'], ['call'], ['output']]);
    });

    it('refuses edges into or out of a note', () => {
      const into = linearGraph();
      into.nodes.push(node('memo', 'note'));
      into.edges.push(edge('writer.text', 'memo.text', 'to-note'));
      expectPlanError(() => planRun(into), 'UNKNOWN_PORT', { edge: 'to-note', nodeId: 'memo', port: 'text' });

      const outOf = linearGraph();
      outOf.nodes.push(node('memo', 'note'));
      outOf.edges.push(edge('memo.text', 'output.extra', 'from-note'));
      expectPlanError(() => planRun(outOf), 'UNKNOWN_PORT', { edge: 'from-note', nodeId: 'memo', port: 'text' });
    });

    it('refuses an edge into a Webhook Trigger, which only starts runs', () => {
      const canvas = graph(
        [node('hook', 'webhook-trigger'), node('writer', 'text-generation', { prompt: 'x' }), node('output', 'response-output')],
        [edge('writer.text', 'hook.body', 'in'), edge('hook.body', 'output.value')],
      );
      expectPlanError(() => planRun(canvas), 'UNKNOWN_PORT', { edge: 'in', nodeId: 'hook', port: 'body' });
    });

    it('refuses a node of an unknown type', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = node('writer', 'text-generator');
      expectPlanError(() => planRun(canvas), 'UNKNOWN_NODE_TYPE', { nodeId: 'writer', type: 'text-generator' });
    });

    it('does not mistake inherited object keys for node types', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = node('writer', 'constructor');
      expectPlanError(() => planRun(canvas), 'UNKNOWN_NODE_TYPE', { nodeId: 'writer', type: 'constructor' });
    });

    it('refuses a Request Input node whose field declarations are invalid', () => {
      const invalid: Array<Array<Record<string, unknown>>> = [
        [{ name: 'topic', type: 'date' }],
        [{ name: '1st', type: 'string' }],
        [{ name: 'has space', type: 'string' }],
        [{ type: 'string' }],
        [{ name: 'choice', type: 'string', enum: [] }],
        [{ name: 'text', type: 'string', maxLength: 0 }],
      ];
      for (const fields of invalid) {
        const canvas = graph([requestInput('input', fields)]);
        const error = expectPlanError(() => planRun(canvas, 'input'), 'INVALID_GRAPH', undefined);
        assert.equal(error.details.nodeId, 'input', JSON.stringify(fields));
        assert.ok(Array.isArray(error.details.issues) && error.details.issues.length > 0, JSON.stringify(fields));
      }
    });

    it('refuses a Request Input node whose fields are not a list', () => {
      const canvas = graph([node('input', 'request-input', { fields: { topic: 'string' } })]);
      const error = expectPlanError(() => planRun(canvas, 'input'), 'INVALID_GRAPH');
      assert.equal(error.details.nodeId, 'input');
    });

    it('refuses a Request Input node that declares the same field twice', () => {
      const canvas = graph([requestInput('input', [{ name: 'topic', type: 'string' }, { name: 'topic', type: 'number' }])]);
      const error = expectPlanError(() => planRun(canvas, 'input'), 'INVALID_GRAPH');
      assert.equal(error.details.nodeId, 'input');
    });

    it('accepts a Request Input node that declares no fields', () => {
      const canvas = graph([node('input', 'request-input')]);
      assert.deepEqual(planRun(canvas, 'input').groups, [['input']]);
    });
  });

  describe('retry and timeout policies', () => {
    it("gives provider steps their type's default retry policy and timeout, never retrying the failures the retryability table marks", () => {
      const writer = stepOf(planRun(linearGraph()), 'writer');
      assert.deepEqual(writer.retry, {
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maximumIntervalMs: 30_000,
        maximumAttempts: 3,
        nonRetryableErrorTypes: ['ProviderRejected', 'InvalidConfig', 'PrivateNetworkRefused', 'MediaTooLarge', 'MediaNotFound', 'ProviderOutputInvalid', 'MediaKindMismatch'],
      });
      assert.equal(writer.timeoutMs, 120_000);
    });

    it('does not retry inline steps', () => {
      const plan = planRun(diamond());
      for (const id of ['input', 'template', 'output']) {
        assert.equal(stepOf(plan, id).retry.maximumAttempts, 1, id);
        assert.equal(stepOf(plan, id).timeoutMs, 1_000, id);
      }
    });

    it('gives each node type its own default timeout', () => {
      const canvas = graph([
        node('text', 'text-generation', { prompt: 'x' }),
        node('image', 'image-generation', { prompt: 'x' }),
        node('video', 'video-generation', { prompt: 'x' }),
        node('call', 'http-request', { url: 'https://example.com' }),
      ]);
      const expected: Record<string, number> = { text: 120_000, image: 300_000, video: 600_000, call: 30_000 };
      for (const [id, timeoutMs] of Object.entries(expected)) {
        const only = planRun(canvas, id);
        assert.equal(stepOf(only, id).timeoutMs, timeoutMs, id);
        assert.equal(stepOf(only, id).timeoutMs, NODE_MODULES[canvas.nodes.find((n) => n.id === id)!.type as NodeTypeId].timeoutMs, id);
      }
    });

    it('takes config.retry and config.timeoutMs as overrides', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = node('writer', 'text-generation', {
        retry: { initialIntervalMs: 1_500, backoffCoefficient: 3, maximumIntervalMs: 5_000, maximumAttempts: 7 },
        timeoutMs: 45_000,
      });
      const writer = stepOf(planRun(canvas), 'writer');
      assert.deepEqual(writer.retry, {
        initialIntervalMs: 1_500,
        backoffCoefficient: 3,
        maximumIntervalMs: 5_000,
        maximumAttempts: 7,
        nonRetryableErrorTypes: nonRetryableFailureTypes('step'),
      });
      assert.equal(writer.timeoutMs, 45_000);
    });

    it('refuses retry intervals under the 1,000 ms Temporal honours, naming the node and the field', () => {
      for (const [retry, field] of [
        [{ initialIntervalMs: 200 }, 'config.retry.initialIntervalMs'],
        [{ initialIntervalMs: 999.5 }, 'config.retry.initialIntervalMs'],
        [{ maximumIntervalMs: 500 }, 'config.retry.maximumIntervalMs'],
      ] as const) {
        const canvas = linearGraph();
        canvas.nodes[1] = node('writer', 'text-generation', { retry });
        const error = expectPlanError(() => planRun(canvas), 'INVALID_RETRY_POLICY', { nodeId: 'writer', field, minimumMs: 1_000 });
        assert.match(error.message, /writer/);
        assert.match(error.message, /1,000 ms/);
      }
    });

    it('refuses a retry maximum interval shorter than its initial interval', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = node('writer', 'text-generation', { retry: { initialIntervalMs: 5_000, maximumIntervalMs: 2_000 } });
      expectPlanError(() => planRun(canvas), 'INVALID_RETRY_POLICY', { nodeId: 'writer', field: 'config.retry.maximumIntervalMs', minimumMs: 5_000 });
    });

    it('keeps the defaults for overrides that are partial', () => {
      const canvas = linearGraph();
      canvas.nodes[1] = node('writer', 'text-generation', { retry: { maximumAttempts: 5 } });
      const writer = stepOf(planRun(canvas), 'writer');
      assert.equal(writer.retry.maximumAttempts, 5);
      assert.equal(writer.retry.initialIntervalMs, 1_000);
      assert.equal(writer.retry.backoffCoefficient, 2);
      assert.equal(writer.retry.maximumIntervalMs, 30_000);
      assert.equal(writer.timeoutMs, 120_000);
    });

    it('refuses overrides that are zero, negative, not numbers or not objects, naming the node and the field', () => {
      for (const [config, field] of [
        [{ retry: { initialIntervalMs: 0 } }, 'retry.initialIntervalMs'],
        [{ retry: { backoffCoefficient: -1 } }, 'retry.backoffCoefficient'],
        [{ retry: { maximumIntervalMs: '9000' } }, 'retry.maximumIntervalMs'],
        [{ timeoutMs: 'soon' }, 'timeoutMs'],
        [{ retry: 5 }, 'retry'],
      ] as const) {
        const canvas = linearGraph();
        canvas.nodes[1] = node('writer', 'text-generation', config);
        const error = expectPlanError(() => planRun(canvas), 'INVALID_CONFIG');
        assert.equal(error.details.nodeId, 'writer');
        assert.equal(error.details.field, field);
        assert.match(error.message, new RegExp(`Node "writer" \\(Text Generation\\) has an invalid config\\.${field.replace('.', '\\.')}`));
      }
    });
  });

  describe('node config', () => {
    it('refuses an image side over 8192 instead of clamping it, naming the node and the field', () => {
      const canvas = graph([node('pic', 'image-generation', { prompt: 'x', width: 2048, height: 9000 }), node('output', 'response-output')], [edge('pic.image', 'output.value')]);
      const error = expectPlanError(() => planRun(canvas), 'INVALID_CONFIG');
      assert.equal(error.details.nodeId, 'pic');
      assert.equal(error.details.field, 'height');
      assert.match(error.message, /at most 8192 pixels/);
    });

    it('keeps image sizes up to 8192 as asked', () => {
      const canvas = graph([node('pic', 'image-generation', { prompt: 'x', width: 8192, height: 2048 }), node('output', 'response-output')], [edge('pic.image', 'output.value')]);
      const pic = stepOf(planRun(canvas), 'pic');
      assert.equal(pic.config.width, 8192);
      assert.deepEqual(pic.media, { kind: 'image', port: 'image' });
      assert.equal(pic.kind, 'activity');
    });

    it('refuses a sandbox size over 200 MB', () => {
      const canvas = graph([node('pic', 'image-generation', { prompt: 'x', sandbox: { sizeBytes: 300 * 1024 * 1024 } }), node('output', 'response-output')], [edge('pic.image', 'output.value')]);
      assert.equal(expectPlanError(() => planRun(canvas), 'INVALID_CONFIG').details.field, 'sandbox.sizeBytes');
    });

    it('plans an async video model as a job with its polling settings', () => {
      const canvas = graph([node('clip', 'video-generation', { prompt: 'x', pollAfterMs: 100 }), node('output', 'response-output')], [edge('clip.video', 'output.value')]);
      const clip = stepOf(planRun(canvas), 'clip');
      assert.equal(clip.kind, 'job');
      assert.deepEqual(clip.kind === 'job' && clip.job, { provider: 'sandbox', pollable: true, pollAfterMs: 100 });
    });

    it('never copies a Webhook Trigger secret into the plan', () => {
      const canvas = graph(
        [node('hook', 'webhook-trigger', { secret: 'shh-very-secret' }), node('output', 'response-output')],
        [edge('hook.body', 'output.value')],
      );
      const plan = planRun(canvas);
      assert.equal(JSON.stringify(plan).includes('shh-very-secret'), false);
    });
  });
});

describe('downstreamOf: what a replay from a step re-runs', () => {
  it('contains the step and everything that depends on it, directly or not', () => {
    const plan = planRun(diamond());
    assert.deepEqual([...downstreamOf(plan, 'a')].sort(), ['a', 'output', 'template']);
  });

  it('leaves out parallel siblings and upstream steps', () => {
    const plan = planRun(diamond());
    const down = downstreamOf(plan, 'b');
    assert.equal(down.has('a'), false);
    assert.equal(down.has('input'), false);
  });

  it('contains the whole plan from the first step', () => {
    const plan = planRun(diamond());
    assert.deepEqual([...downstreamOf(plan, 'input')].sort(), ['a', 'b', 'input', 'output', 'template']);
  });

  it('contains only the target from the target', () => {
    assert.deepEqual([...downstreamOf(planRun(diamond()), 'output')], ['output']);
  });

  it('does not depend on the order of the steps in the plan', () => {
    const plan = planRun(diamond());
    const reversed = { ...plan, steps: [...plan.steps].reverse() };
    assert.deepEqual([...downstreamOf(reversed, 'a')].sort(), ['a', 'output', 'template']);
  });
});
