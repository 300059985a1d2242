-- Admission's debit (src/services/credits.ts, src/db/runStore.ts insertPaidExecution): debits the
-- balance and writes the run's `debit` ledger entry, or raises SQLSTATE BS402 with the balance as it
-- stood when the account has too little (nothing of the statement is then written). Admission calls
-- it last, in the statement that inserts the execution or in the same message as its transaction's
-- COMMIT, so the account's row lock, which every admission of the account queues for, is held only
-- until that commit and never across a round trip to the API (under load the API took tens of
-- milliseconds to send the COMMIT, and the account's admissions queued behind it: 273 ms mean lock
-- wait at 100 admissions/s).
-- Expand-only: the previous release does not call it.
CREATE OR REPLACE FUNCTION admission_debit(p_account_id TEXT, p_execution_id TEXT, p_amount INT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  balance INT;
BEGIN
  IF p_amount <= 0 THEN RETURN; END IF;
  -- Admissions wait at most this long for the account's row (then 503 with Retry-After).
  PERFORM set_config('lock_timeout', '15s', true);
  UPDATE accounts SET credit_balance = credit_balance - p_amount
  WHERE id = p_account_id AND credit_balance >= p_amount;
  IF NOT FOUND THEN
    SELECT credit_balance INTO balance FROM accounts WHERE id = p_account_id;
    RAISE EXCEPTION 'The account has % credits; the run needs %.', COALESCE(balance, 0), p_amount
      USING ERRCODE = 'BS402', DETAIL = COALESCE(balance, 0)::text;
  END IF;
  INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
  VALUES ('debit-' || p_execution_id, p_account_id, p_execution_id, 'debit'::"LedgerKind", p_amount, '');
END;
$$;
