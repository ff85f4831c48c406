SELECT id, name, amount FROM small ORDER BY id;
