-- The RunStore's writers lock the execution's row FOR NO KEY UPDATE instead of FOR UPDATE: they
-- still exclude each other (one writer of a run at a time, events numbered in commit order), but a
-- row that only references the execution (execution_media when a step stores its media, a usage
-- capture in credit_ledger) takes FOR KEY SHARE for its foreign key, which FOR UPDATE blocked until
-- the writer's commit: under load, media links waited 5.6 ms on average behind step records. Only
-- the lock line changes; the rest of run_store_apply is as in 20261206060000_run_store_functions.
-- Expand-only: the previous release's calls keep their meaning.
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
BEGIN
  -- A writer waits at most this long for the execution's row lock (its callers retry).
  PERFORM set_config('lock_timeout', '30s', true);
  -- NO KEY UPDATE: writers of the run still exclude each other, but rows that merely reference it
  -- (a step's media links, its usage capture in the ledger) no longer wait for this commit.
  PERFORM 1 FROM executions WHERE id = p_execution_id FOR NO KEY UPDATE;
  FOR c IN SELECT value FROM jsonb_array_elements(p_changes) LOOP
    IF c->>'kind' = 'step' THEN
      p := c->'patch';
      target := p->>'status';
      started := CASE WHEN p ? 'startedAtMs' THEN to_timestamp((p->>'startedAtMs')::double precision / 1000) END;
      finished := CASE WHEN p ? 'finishedAtMs' THEN to_timestamp((p->>'finishedAtMs')::double precision / 1000) END;
      UPDATE steps SET
        status = target::"StepStatus",
        output = COALESCE(p->'output', output),
        error = COALESCE(p->'error', error),
        attempts = GREATEST(attempts, COALESCE((p->>'attempts')::int, 0)),
        reused = reused OR COALESCE((p->>'reused')::boolean, false),
        cache = COALESCE(p->'cache', cache),
        -- Merged while waiting (the submit activity recorded the callback token there), cleared after.
        waiting_on = CASE WHEN target = 'waiting' THEN COALESCE(waiting_on, '{}'::jsonb) || COALESCE(p->'waitingOn', '{}'::jsonb) ELSE NULL END,
        started_at = COALESCE(started_at, started, finished),
        -- Never before the start (the activity's clock stamped it; another host's may run behind).
        finished_at = CASE WHEN COALESCE(finished, finished_at) IS NULL THEN NULL ELSE GREATEST(COALESCE(finished, finished_at), started_at) END
      WHERE execution_id = p_execution_id AND step_id = p->>'stepId'
        AND (status::text IN (SELECT jsonb_array_elements_text(p_guards->'step'->target))
          -- A later attempt's own record replaces an earlier attempt's (see RunStore.recordStep).
          OR (COALESCE((c->>'replaces')::boolean, false) AND status = 'completed' AND attempts < COALESCE((p->>'attempts')::int, 0)));
      GET DIAGNOSTICS changed = ROW_COUNT;
      IF changed > 0 THEN
        data := jsonb_build_object('stepId', p->'stepId', 'status', p->'status');
        IF COALESCE((p->>'attempts')::int, 0) <> 0 THEN data := data || jsonb_build_object('attempts', p->'attempts'); END IF;
        IF p ? 'error' THEN data := data || jsonb_build_object('error', p->'error'); END IF;
        IF p ? 'waitingOn' THEN data := data || jsonb_build_object('waitingOn', p->'waitingOn'); END IF;
        IF COALESCE((p->>'reused')::boolean, false) THEN data := data || '{"reused": true}'::jsonb; END IF;
        events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', data));
      END IF;

    ELSIF c->>'kind' = 'run' THEN
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

    ELSIF c->>'kind' = 'progress' THEN
      p := c->'entry';
      attempt := (p->>'attempt')::int;
      IF p->>'kind' = 'attempt' THEN
        -- `attempts < attempt`: an attempt is announced once, however often its entry is applied.
        -- The start is the attempt's own clock, not the write's: the earliest wins, never after the finish.
        at_time := CASE WHEN p ? 'at' THEN (p->>'at')::timestamptz END;
        UPDATE steps SET status = 'running', attempts = attempt,
          started_at = LEAST(COALESCE(started_at, at_time, now()), COALESCE(at_time, now()), finished_at)
        WHERE execution_id = p_execution_id AND step_id = p->>'stepId' AND attempts < attempt
          AND status::text IN (SELECT jsonb_array_elements_text(p_guards->'step'->'running'));
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed > 0 THEN
          events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', jsonb_build_object('stepId', p->'stepId', 'status', 'running', 'attempt', attempt)));
        END IF;
      ELSIF p->>'kind' = 'streaming' THEN
        UPDATE steps SET status = 'streaming'
        WHERE execution_id = p_execution_id AND step_id = p->>'stepId' AND attempts = attempt
          AND status::text IN (SELECT jsonb_array_elements_text(p_guards->'step'->'streaming'));
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed > 0 THEN
          events := events || jsonb_build_array(jsonb_build_object('type', 'step.status', 'data', jsonb_build_object('stepId', p->'stepId', 'status', 'streaming')));
        END IF;
      ELSIF p->>'kind' = 'tokens' THEN
        -- Text is identified by its attempt and offset; none is added once the step has settled.
        SELECT s.status::text IN (SELECT jsonb_array_elements_text(p_guards->'stepOpen')),
          EXISTS (SELECT 1 FROM execution_events e WHERE e.execution_id = p_execution_id AND e.type = 'step.token'
            AND e.data @> jsonb_build_object('stepId', p->'stepId', 'attempt', attempt, 'offset', p->'offset'))
        INTO is_open, is_seen
        FROM steps s WHERE s.execution_id = p_execution_id AND s.step_id = p->>'stepId';
        IF is_open AND NOT is_seen THEN
          events := events || jsonb_build_array(jsonb_build_object('type', 'step.token',
            'data', jsonb_build_object('stepId', p->'stepId', 'token', p->'text', 'attempt', attempt, 'offset', p->'offset')));
        END IF;
      ELSIF p->>'kind' = 'failed' THEN
        rec := jsonb_build_object('attempt', attempt) || (p->'error') || jsonb_build_object('at', p->'at');
        UPDATE steps SET attempt_errors = attempt_errors || jsonb_build_array(rec), attempts = GREATEST(attempts, attempt)
        WHERE execution_id = p_execution_id AND step_id = p->>'stepId'
          AND NOT attempt_errors @> jsonb_build_array(jsonb_build_object('attempt', attempt));
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed > 0 THEN
          events := events || jsonb_build_array(jsonb_build_object('type', 'step.attempt_failed', 'data', jsonb_build_object('stepId', p->'stepId') || rec));
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
