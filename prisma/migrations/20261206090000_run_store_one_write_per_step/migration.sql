-- A step record no longer writes its step's row once per transition. A provider step's record carries
-- its attempt, streaming, its text and its completion: run_store_apply updated the same step row three
-- times in one statement (three row versions, three index and WAL writes), about half of what a run
-- costs Postgres. Now the changes of one step that follow each other are applied to the row in memory,
-- under the same guards, in the same order, with the same events, and the row is written once when
-- the batch moves on to something else. What a caller sees is unchanged: the same rows, the same
-- events; the previous release's calls keep their meaning (expand-only). The step row is read
-- without a row lock: every writer of a run's steps holds the execution's row first (src/db/runStore.ts).
CREATE OR REPLACE FUNCTION run_store_apply(p_execution_id TEXT, p_changes JSONB, p_guards JSONB)
RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
  c JSONB;
  p JSONB;
  events JSONB := '[]'::jsonb;
  data JSONB;
  changed INT;
  target TEXT;
  at_time TIMESTAMPTZ;
  started TIMESTAMPTZ;
  finished TIMESTAMPTZ;
  attempt INT;
  is_open BOOLEAN;
  is_seen BOOLEAN;
  rec JSONB;
  released INT;
  account TEXT;
  n INT := jsonb_array_length(p_changes);
  i INT;
  -- The step this change is about (NULL for a run change, the results, a release, the leases).
  step_key TEXT;
  -- The step row being changed in memory: read once, written once (cur_dirty) when the batch moves on.
  cur_id TEXT;
  cur_found BOOLEAN := false;
  cur_dirty BOOLEAN := false;
  s_status TEXT;
  s_attempts INT;
  s_output JSONB;
  s_error JSONB;
  s_errors JSONB;
  s_waiting JSONB;
  s_reused BOOLEAN;
  s_cache JSONB;
  s_started TIMESTAMPTZ(3);
  s_finished TIMESTAMPTZ(3);
BEGIN
  -- A writer waits at most this long for the execution's row lock (its callers retry).
  PERFORM set_config('lock_timeout', '30s', true);
  -- NO KEY UPDATE: writers of the run still exclude each other, but rows that merely reference it
  -- (a step's media links, its usage capture in the ledger) no longer wait for this commit.
  PERFORM 1 FROM executions WHERE id = p_execution_id FOR NO KEY UPDATE;
  -- One pass more than there are changes: the last one only writes the step row still in memory.
  FOR i IN 0..n LOOP
    c := CASE WHEN i < n THEN p_changes->i END;
    step_key := CASE c->>'kind' WHEN 'step' THEN c->'patch'->>'stepId' WHEN 'progress' THEN c->'entry'->>'stepId' END;
    IF cur_id IS NOT NULL AND step_key IS DISTINCT FROM cur_id THEN
      IF cur_dirty THEN
        UPDATE steps SET
          status = s_status::"StepStatus",
          attempts = s_attempts,
          output = s_output,
          error = s_error,
          attempt_errors = s_errors,
          waiting_on = s_waiting,
          reused = s_reused,
          cache = s_cache,
          started_at = s_started,
          finished_at = s_finished
        WHERE execution_id = p_execution_id AND step_id = cur_id;
      END IF;
      cur_id := NULL;
      cur_dirty := false;
    END IF;
    EXIT WHEN i = n;

    IF step_key IS NOT NULL THEN
      IF cur_id IS NULL THEN
        SELECT status::text, attempts, output, error, attempt_errors, waiting_on, reused, cache, started_at, finished_at
        INTO s_status, s_attempts, s_output, s_error, s_errors, s_waiting, s_reused, s_cache, s_started, s_finished
        FROM steps WHERE execution_id = p_execution_id AND step_id = step_key;
        cur_found := FOUND;
        cur_id := step_key;
      END IF;
      -- No such step: nothing to change and nothing to announce (as an UPDATE of no row).
      CONTINUE WHEN NOT cur_found;

      IF c->>'kind' = 'step' THEN
        p := c->'patch';
        target := p->>'status';
        started := CASE WHEN p ? 'startedAtMs' THEN to_timestamp((p->>'startedAtMs')::double precision / 1000) END;
        finished := CASE WHEN p ? 'finishedAtMs' THEN to_timestamp((p->>'finishedAtMs')::double precision / 1000) END;
        IF COALESCE((p_guards->'step'->target) ? s_status, false)
          -- A later attempt's own record replaces an earlier attempt's (see RunStore.recordStep).
          OR (COALESCE((c->>'replaces')::boolean, false) AND s_status = 'completed' AND s_attempts < COALESCE((p->>'attempts')::int, 0)) THEN
          -- Never before the start (the activity's clock stamped it; another host's may run behind):
          -- the start as it was before this change, as the UPDATE it replaces compared.
          s_finished := CASE WHEN COALESCE(finished, s_finished) IS NULL THEN NULL ELSE GREATEST(COALESCE(finished, s_finished), s_started) END;
          s_started := COALESCE(s_started, started, finished);
          s_status := target;
          s_output := COALESCE(p->'output', s_output);
          s_error := COALESCE(p->'error', s_error);
          s_attempts := GREATEST(s_attempts, COALESCE((p->>'attempts')::int, 0));
          s_reused := s_reused OR COALESCE((p->>'reused')::boolean, false);
          s_cache := COALESCE(p->'cache', s_cache);
          -- Merged while waiting (the submit activity recorded the callback token there), cleared after.
          s_waiting := CASE WHEN target = 'waiting' THEN COALESCE(s_waiting, '{}'::jsonb) || COALESCE(p->'waitingOn', '{}'::jsonb) ELSE NULL END;
          cur_dirty := true;
          data := jsonb_build_object('stepId', p->'stepId', 'status', p->'status');
          IF COALESCE((p->>'attempts')::int, 0) <> 0 THEN data := data || jsonb_build_object('attempts', p->'attempts'); END IF;
          IF p ? 'error' THEN data := data || jsonb_build_object('error', p->'error'); END IF;
          IF p ? 'waitingOn' THEN data := data || jsonb_build_object('waitingOn', p->'waitingOn'); END IF;
          IF COALESCE((p->>'reused')::boolean, false) THEN data := data || '{"reused": true}'::jsonb; END IF;
          events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', data));
        END IF;
      ELSE
        p := c->'entry';
        attempt := (p->>'attempt')::int;
        IF p->>'kind' = 'attempt' THEN
          -- `attempts < attempt`: an attempt is announced once, however often its entry is applied.
          -- The start is the attempt's own clock, not the write's: the earliest wins, never after the finish.
          at_time := CASE WHEN p ? 'at' THEN (p->>'at')::timestamptz END;
          IF s_attempts < attempt AND COALESCE((p_guards->'step'->'running') ? s_status, false) THEN
            s_started := LEAST(COALESCE(s_started, at_time, now()), COALESCE(at_time, now()), s_finished);
            s_status := 'running';
            s_attempts := attempt;
            cur_dirty := true;
            events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', jsonb_build_object('stepId', p->'stepId', 'status', 'running', 'attempt', attempt)));
          END IF;
        ELSIF p->>'kind' = 'streaming' THEN
          IF s_attempts = attempt AND COALESCE((p_guards->'step'->'streaming') ? s_status, false) THEN
            s_status := 'streaming';
            cur_dirty := true;
            events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', jsonb_build_object('stepId', p->'stepId', 'status', 'streaming')));
          END IF;
        ELSIF p->>'kind' = 'tokens' THEN
          -- Text is identified by its attempt and offset; none is added once the step has settled.
          is_open := (p_guards->'stepOpen') ? s_status;
          SELECT EXISTS (SELECT 1 FROM execution_events e WHERE e.execution_id = p_execution_id AND e.type = 'step.token'
            AND e.data @> jsonb_build_object('stepId', p->'stepId', 'attempt', attempt, 'offset', p->'offset'))
          INTO is_seen;
          IF is_open AND NOT is_seen THEN
            events := events || jsonb_build_array(jsonb_build_object('type', 'step.token',
              'data', jsonb_build_object('stepId', p->'stepId', 'token', p->'text', 'attempt', attempt, 'offset', p->'offset')));
          END IF;
        ELSIF p->>'kind' = 'failed' THEN
          rec := jsonb_build_object('attempt', attempt) || (p->'error') || jsonb_build_object('at', p->'at');
          IF NOT s_errors @> jsonb_build_array(jsonb_build_object('attempt', attempt)) THEN
            s_errors := s_errors || jsonb_build_array(rec);
            s_attempts := GREATEST(s_attempts, attempt);
            cur_dirty := true;
            events := events || jsonb_build_array(jsonb_build_object('type', 'step.attempt_failed', 'data', jsonb_build_object('stepId', p->'stepId') || rec));
          END IF;
        END IF;
      END IF;
      CONTINUE;
    END IF;

    IF c->>'kind' = 'run' THEN
      p := c->'patch';
      target := p->>'status';
      UPDATE executions SET
        status = target::"ExecutionStatus",
        status_seq = (p->>'seq')::int,
        output = COALESCE(p->'output', output),
        error = COALESCE(p->'error', error),
        duration_ms = COALESCE((p->>'durationMs')::int, duration_ms),
        started_at = COALESCE(started_at, CASE WHEN p ? 'startedAtMs' THEN to_timestamp((p->>'startedAtMs')::double precision / 1000) END),
        finished_at = COALESCE(CASE WHEN p ? 'finishedAtMs' THEN to_timestamp((p->>'finishedAtMs')::double precision / 1000) END, finished_at),
        waiting_on = p->'waitingOn'
      WHERE id = p_execution_id AND status_seq < (p->>'seq')::int
        AND status::text IN (SELECT jsonb_array_elements_text(p_guards->'run'->target));
      GET DIAGNOSTICS changed = ROW_COUNT;
      IF changed > 0 THEN
        data := jsonb_build_object('status', p->'status');
        IF p ? 'error' THEN data := data || jsonb_build_object('error', p->'error'); END IF;
        IF p ? 'waitingOn' THEN data := data || jsonb_build_object('waitingOn', p->'waitingOn'); END IF;
        events := events || jsonb_build_array(jsonb_build_object('type', 'run.status', 'data', data));
        IF p_guards->'runTerminal' ? target THEN
          data := jsonb_build_object('status', p->'status', 'output', COALESCE(p->'output', 'null'::jsonb), 'durationMs', COALESCE(p->'durationMs', 'null'::jsonb));
          IF p ? 'error' THEN data := data || jsonb_build_object('error', p->'error'); END IF;
          events := events || jsonb_build_array(jsonb_build_object('type', 'run.end', 'data', data));
        END IF;
      END IF;

    ELSIF c->>'kind' = 'results' THEN
      INSERT INTO canvas_node_results (workflow_id, node_id, execution_id, output, updated_at)
      SELECT c->>'workflowId', s.step_id, s.execution_id, s.output, now()
      FROM steps s WHERE s.execution_id = p_execution_id AND s.status = 'completed' AND s.output IS NOT NULL
      ORDER BY s.step_id -- one lock order for concurrent runs of the same canvas: no deadlocks
      ON CONFLICT (workflow_id, node_id) DO UPDATE
        SET execution_id = EXCLUDED.execution_id, output = EXCLUDED.output, updated_at = EXCLUDED.updated_at
        WHERE canvas_node_results.updated_at <= EXCLUDED.updated_at;

    ELSIF c->>'kind' = 'release' THEN
      -- Once (the ledger's unique key): a hold without a capture (its step never reported usage) is released whole.
      SELECT SUM(h.amount - COALESCE(cap.amount, 0))::int, MIN(h.account_id) INTO released, account
      FROM credit_ledger h
      LEFT JOIN credit_ledger cap ON cap.execution_id = h.execution_id AND cap.kind = 'capture' AND cap.model = h.model
      WHERE h.execution_id = p_execution_id AND h.kind = 'hold';
      IF account IS NOT NULL AND released > 0 THEN
        INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
        VALUES ('release-' || p_execution_id, account, p_execution_id, 'release'::"LedgerKind", released, '')
        ON CONFLICT (execution_id, kind, model) DO NOTHING;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed > 0 THEN
          UPDATE accounts SET credit_balance = credit_balance + released WHERE id = account;
          UPDATE executions SET credits_used = credits_used - released WHERE id = p_execution_id;
        END IF;
      END IF;

    ELSIF c->>'kind' = 'leases' THEN
      DELETE FROM vendor_leases WHERE execution_id = p_execution_id;
    END IF;
  END LOOP;
  RETURN events;
END;
$$;
