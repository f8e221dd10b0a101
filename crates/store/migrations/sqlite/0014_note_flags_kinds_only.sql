-- Version 14: only the kinds of a flagged note in the clear. The desk
-- stored each flagged word next to its kind (`shinjo:宗教`), unsealed,
-- beside the caller. Only the kind may be kept outside the sealed note (as
-- calls, visits and the 滞納 ledger always did): rewrite those rows to
-- their kinds.
UPDATE desk_inquiries
SET note_flags = rtrim(
    CASE WHEN (',' || note_flags) LIKE '%,shinjo:%' OR (',' || note_flags || ',') LIKE '%,shinjo,%'
         THEN 'shinjo,' ELSE '' END
 || CASE WHEN (',' || note_flags) LIKE '%,shakai_teki_sabetsu:%' OR (',' || note_flags || ',') LIKE '%,shakai_teki_sabetsu,%'
         THEN 'shakai_teki_sabetsu,' ELSE '' END
 || CASE WHEN (',' || note_flags) LIKE '%,hanzai:%' OR (',' || note_flags || ',') LIKE '%,hanzai,%'
         THEN 'hanzai,' ELSE '' END,
    ',')
WHERE note_flags LIKE '%:%';
