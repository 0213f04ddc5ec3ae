-- Every write to the rows that serving keeps in memory sends one small note on the
-- "serving_changes" channel when its transaction commits, whichever process or tool made it
-- (API, imports, scripts). Statement-level triggers with transition tables: a batch insert
-- sends one note, not one per row. Payload: "<letter>:<comma-separated ids>", or
-- "<letter>:*" when a statement touched more than 400 ids (listeners then drop everything
-- of that kind). Letters: i = interaction users, f = follow users (both sides),
-- b = block users (both sides), u = users, t = items.
CREATE FUNCTION "serving_note"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols text := TG_ARGV[1];
  src text;
  ids text;
  n int;
BEGIN
  src := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT ARRAY[%s] AS a FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT ARRAY[%s] AS a FROM old_rows', cols)
    ELSE format('SELECT ARRAY[%1$s] AS a FROM new_rows UNION ALL SELECT ARRAY[%1$s] AS a FROM old_rows', cols)
  END;
  EXECUTE format('SELECT count(DISTINCT id)::int, string_agg(DISTINCT id::text, '','') FROM (SELECT unnest(a) AS id FROM (%s) r) s WHERE id IS NOT NULL', src)
    INTO n, ids;
  IF n = 0 THEN RETURN NULL; END IF;
  IF n > 400 THEN ids := '*'; END IF;
  PERFORM pg_notify('serving_changes', TG_ARGV[0] || ':' || ids);
  RETURN NULL;
END $$;

CREATE TRIGGER "Interaction_note_insert" AFTER INSERT ON "Interaction" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('i', '"userId"');
CREATE TRIGGER "Interaction_note_delete" AFTER DELETE ON "Interaction" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('i', '"userId"');

CREATE TRIGGER "Follow_note_insert" AFTER INSERT ON "Follow" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('f', '"followerId", "followeeId"');
CREATE TRIGGER "Follow_note_delete" AFTER DELETE ON "Follow" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('f', '"followerId", "followeeId"');

CREATE TRIGGER "Block_note_insert" AFTER INSERT ON "Block" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('b', '"blockerId", "blockedId"');
CREATE TRIGGER "Block_note_delete" AFTER DELETE ON "Block" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('b', '"blockerId", "blockedId"');

CREATE TRIGGER "User_note_update" AFTER UPDATE ON "User" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('u', 'id');
CREATE TRIGGER "User_note_delete" AFTER DELETE ON "User" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('u', 'id');

CREATE TRIGGER "Item_note_insert" AFTER INSERT ON "Item" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('t', 'id');
CREATE TRIGGER "Item_note_update" AFTER UPDATE ON "Item" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('t', 'id');
CREATE TRIGGER "Item_note_delete" AFTER DELETE ON "Item" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "serving_note"('t', 'id');
