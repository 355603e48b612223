// The live schema of each database, read back after migrating, against tests/schema/seed_columns.txt:
// every table and column the five seeds name has its home, under the names the schema rules give.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "store/migrate.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

using SchemaTest = testing::MigratedDatabaseTest;

struct SeedTable {
  int line = 0;
  std::string seed, table;
  std::vector<std::string> columns;  // Chorus column names
};

std::vector<SeedTable> ReadManifest() {
  std::ifstream in(std::string(CHORUS_SOURCE_DIR) + "/tests/schema/seed_columns.txt");
  EXPECT_TRUE(in) << "tests/schema/seed_columns.txt is missing";
  std::vector<SeedTable> tables;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(':');
    std::istringstream head(line.substr(0, colon));
    SeedTable t;
    t.line = n;
    head >> t.seed >> t.table;
    if (auto arrow = t.table.find("->"); arrow != std::string::npos) t.table = t.table.substr(arrow + 2);
    std::istringstream cols(line.substr(colon + 1));
    for (std::string c; cols >> c;) {
      if (auto arrow = c.find("->"); arrow != std::string::npos) c = c.substr(arrow + 2);
      t.columns.push_back(c);
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

std::map<std::string, std::set<std::string>> LiveSchema(Connection& conn) {
  const char* sql = conn.dialect() == Dialect::kSqlite
                        ? "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
                          "WHERE m.type = 'table'"
                        : "SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = current_schema()";
  auto rows = conn.Exec(sql);
  EXPECT_TRUE(rows) << rows.error().message;
  std::map<std::string, std::set<std::string>> schema;
  for (Row r : *rows) schema[r.Text(0)].insert(r.Text(1));
  return schema;
}

TEST_P(SchemaTest, EverySeedTableAndColumnHasItsHome) {
  const auto manifest = ReadManifest();
  ASSERT_GE(manifest.size(), 45u) << "the manifest lists every table of the five seeds";
  const auto schema = LiveSchema(*Write());
  std::set<std::string> seeds;
  for (const auto& t : manifest) {
    seeds.insert(t.seed);
    auto table = schema.find(t.table);
    if (table == schema.end()) {
      ADD_FAILURE() << "seed " << t.seed << " (line " << t.line << "): table " << t.table << " is missing";
      continue;
    }
    for (const auto& column : t.columns) {
      EXPECT_TRUE(table->second.contains(column))
          << "seed " << t.seed << " (line " << t.line << "): " << t.table << "." << column << " is missing";
    }
  }
  EXPECT_EQ(seeds, (std::set<std::string>{"000", "001", "002", "003", "004"}));
}

TEST_P(SchemaTest, SecretsHaveNoPlaintextColumns) {
  const auto schema = LiveSchema(*Write());
  for (const char* table : {"sessions", "refresh_tokens"}) {
    EXPECT_FALSE(schema.at(table).contains("token")) << table;
    EXPECT_TRUE(schema.at(table).contains("token_hash")) << table;
  }
  EXPECT_FALSE(schema.at("api_keys").contains("key"));
  EXPECT_FALSE(schema.at("user_settings").contains("openai_api_key_encrypted"));
  EXPECT_FALSE(schema.at("user_settings").contains("elevenlabs_api_key_encrypted"));
}

TEST_P(SchemaTest, MigratingIsIdempotent) {
  auto fresh = testing::TestDatabase::Create(GetParam());
  auto applied = ApplyMigrations(fresh->db(), EmbeddedMigrations(GetParam()));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, static_cast<int>(EmbeddedMigrations(GetParam()).size()));
  auto again = ApplyMigrations(fresh->db(), EmbeddedMigrations(GetParam()));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(SchemaTest);

}  // namespace
}  // namespace chorus::store
