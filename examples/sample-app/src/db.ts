import * as fs from 'node:fs';
import * as path from 'node:path';
import { Database } from 'node-sqlite3-wasm';

/** Schema versions, applied in order once each; the applied ones are recorded in schema_migrations. */
const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     email TEXT NOT NULL UNIQUE COLLATE NOCASE,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
   );
   CREATE TABLE products (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     category TEXT NOT NULL,
     price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
     stock INTEGER NOT NULL CHECK (stock >= 0)
   );
   CREATE TABLE orders (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id INTEGER NOT NULL REFERENCES users(id),
     total_cents INTEGER NOT NULL,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
   );
   CREATE TABLE order_items (
     order_id INTEGER NOT NULL REFERENCES orders(id),
     product_id INTEGER NOT NULL REFERENCES products(id),
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     price_cents INTEGER NOT NULL,
     PRIMARY KEY (order_id, product_id)
   );`,
  `INSERT INTO products (name, category, price_cents, stock) VALUES
     ('Kubernetes in Action', 'books', 4999, 120),
     ('GitOps Cookbook', 'books', 3999, 80),
     ('Observability Engineering', 'books', 4499, 60),
     ('Mechanical Keyboard', 'hardware', 12900, 25),
     ('USB-C Dock', 'hardware', 8900, 40),
     ('Noise-Cancelling Headphones', 'hardware', 24900, 15),
     ('Grafana Hoodie', 'apparel', 5900, 200),
     ('Argo Octopus Plush', 'apparel', 1999, 300);`,
  `CREATE INDEX products_category ON products (category);
   CREATE INDEX orders_user ON orders (user_id);`,
];

export type Db = Database;

/** Opens (creating it and its folder when missing) and migrates the database file. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.exec('PRAGMA foreign_keys = ON; CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((db.all('SELECT version FROM schema_migrations') as { version: number }[]).map((r) => r.version));
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    transaction(db, () => {
      db.exec(sql);
      db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [version, new Date().toISOString()]);
    });
  });
  return db;
}

export function transaction<T>(db: Db, body: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = body();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
