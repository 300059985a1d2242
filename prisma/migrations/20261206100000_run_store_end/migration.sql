-- A run's end, written by whichever writer reaches it first: the workflow's mirror, or the run's
-- final provider step, whose attempt ends the run in its own record (issue 21: no local activity
-- after the last step). run_store_end takes the execution's row lock, and
--   * when the run has already ended, changes nothing and answers the stored end (status, output,
--     error, duration): the caller adopts it, so Temporal's result follows the rows;
--   * otherwise applies the changes (the run's terminal change among them), then the completed
--     run's effects (`p_effects`: results applied to the canvas, holds released, vendor slots given
--     back) only if the run is now `completed`, appends the events, and answers NULL when this
--     statement ended the run (else the run's stored state, as above).
-- Expand-only: run_store_apply and run_store_append keep their meaning for the previous release.
CREATE OR REPLACE FUNCTION run_store_end(p_execution_id TEXT, p_changes JSONB, p_effects JSONB, p_guards JSONB)
RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
  events JSONB;
  run RECORD;
BEGIN
  PERFORM set_config('lock_timeout', '30s', true);
  SELECT status::text AS status, output, error, duration_ms INTO run FROM executions WHERE id = p_execution_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NOT p_guards->'runTerminal' ? run.status THEN
    events := run_store_apply(p_execution_id, p_changes, p_guards);
    SELECT status::text AS status, output, error, duration_ms INTO run FROM executions WHERE id = p_execution_id;
    IF run.status = 'completed' AND jsonb_array_length(p_effects) > 0 THEN
      events := events || run_store_apply(p_execution_id, p_effects, p_guards);
    END IF;
    PERFORM run_store_append(p_execution_id, events);
    IF events @> '[{"type": "run.end"}]' THEN
      RETURN NULL;
    END IF;
  END IF;
  RETURN jsonb_build_object('status', run.status, 'output', run.output, 'error', run.error, 'durationMs', run.duration_ms);
END;
$$;
