/** 002: the append-only, hash-chained audit log. UPDATE, DELETE and TRUNCATE are refused by triggers. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      seq BIGINT PRIMARY KEY CHECK (seq >= 1),
      at TIMESTAMPTZ NOT NULL,
      actor TEXT NOT NULL,
      related TEXT,
      action TEXT NOT NULL,
      payload TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE
    );
    CREATE INDEX audit_log_actor ON audit_log (actor, seq);
    CREATE INDEX audit_log_related ON audit_log (related, seq) WHERE related IS NOT NULL;

    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL,
      hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$;
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}
