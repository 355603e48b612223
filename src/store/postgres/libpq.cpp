#include "store/postgres/libpq.h"

#include <dlfcn.h>

#include <mutex>

namespace chorus::store::postgres {
namespace {

template <typename T>
bool Bind(void* lib, const char* name, T* out, std::string* missing) {
  *out = reinterpret_cast<T>(dlsym(lib, name));
  if (!*out && missing->empty()) *missing = name;
  return *out != nullptr;
}

}  // namespace

const LibPq* LoadLibPq(std::string* error) {
  static LibPq pq;
  static std::string load_error;
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    void* lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      load_error = std::string("cannot load libpq.so.5 (Debian package libpq5): ") + (why ? why : "unknown");
      return;
    }
    std::string missing;
    Bind(lib, "PQconnectdbParams", &pq.connectdb_params, &missing);
    Bind(lib, "PQstatus", &pq.status, &missing);
    Bind(lib, "PQerrorMessage", &pq.error_message, &missing);
    Bind(lib, "PQfinish", &pq.finish, &missing);
    Bind(lib, "PQexec", &pq.exec, &missing);
    Bind(lib, "PQprepare", &pq.prepare, &missing);
    Bind(lib, "PQexecPrepared", &pq.exec_prepared, &missing);
    Bind(lib, "PQresultStatus", &pq.result_status, &missing);
    Bind(lib, "PQclear", &pq.clear, &missing);
    Bind(lib, "PQresultErrorField", &pq.result_error_field, &missing);
    Bind(lib, "PQresultErrorMessage", &pq.result_error_message, &missing);
    Bind(lib, "PQnfields", &pq.nfields, &missing);
    Bind(lib, "PQfname", &pq.fname, &missing);
    Bind(lib, "PQntuples", &pq.ntuples, &missing);
    Bind(lib, "PQgetisnull", &pq.getisnull, &missing);
    Bind(lib, "PQgetvalue", &pq.getvalue, &missing);
    Bind(lib, "PQgetlength", &pq.getlength, &missing);
    Bind(lib, "PQftype", &pq.ftype, &missing);
    Bind(lib, "PQcmdTuples", &pq.cmd_tuples, &missing);
    Bind(lib, "PQunescapeBytea", &pq.unescape_bytea, &missing);
    Bind(lib, "PQfreemem", &pq.freemem, &missing);
    Bind(lib, "PQtransactionStatus", &pq.transaction_status, &missing);
    Bind(lib, "PQsocket", &pq.socket, &missing);
    Bind(lib, "PQconsumeInput", &pq.consume_input, &missing);
    Bind(lib, "PQnotifies", &pq.notifies, &missing);
    Bind(lib, "PQenterPipelineMode", &pq.enter_pipeline_mode, &missing);
    Bind(lib, "PQexitPipelineMode", &pq.exit_pipeline_mode, &missing);
    Bind(lib, "PQpipelineSync", &pq.pipeline_sync, &missing);
    Bind(lib, "PQsendQueryParams", &pq.send_query_params, &missing);
    Bind(lib, "PQsendQueryPrepared", &pq.send_query_prepared, &missing);
    Bind(lib, "PQgetResult", &pq.get_result, &missing);
    if (!missing.empty()) {
      load_error = "libpq.so.5 lacks " + missing;
      return;
    }
    ok = true;  // the handle stays open for the life of the process
  });
  if (!ok && error) *error = load_error;
  return ok ? &pq : nullptr;
}

}  // namespace chorus::store::postgres
