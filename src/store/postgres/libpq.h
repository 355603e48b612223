// libpq, loaded on first use with dlopen instead of linked at start-up.
//
// Why by hand: linking libpq makes every Chorus process map it and its dependency chain (GnuTLS,
// Kerberos, LDAP, p11-kit), whose load-time relocations and constructors cost ~3 MB of resident
// memory and start-up time — paid even by the default SQLite deployment, which never talks to
// PostgreSQL. The table below holds the functions the backend uses, typed from libpq-fe.h.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace chorus::store::postgres {

struct LibPq {
  decltype(&::PQconnectdbParams) connectdb_params;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) error_message;
  decltype(&::PQfinish) finish;
  decltype(&::PQexec) exec;
  decltype(&::PQprepare) prepare;
  decltype(&::PQexecPrepared) exec_prepared;
  decltype(&::PQresultStatus) result_status;
  decltype(&::PQclear) clear;
  decltype(&::PQresultErrorField) result_error_field;
  decltype(&::PQresultErrorMessage) result_error_message;
  decltype(&::PQnfields) nfields;
  decltype(&::PQfname) fname;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQgetlength) getlength;
  decltype(&::PQftype) ftype;
  decltype(&::PQcmdTuples) cmd_tuples;
  decltype(&::PQunescapeBytea) unescape_bytea;
  decltype(&::PQfreemem) freemem;
  decltype(&::PQtransactionStatus) transaction_status;
  decltype(&::PQsocket) socket;
  decltype(&::PQconsumeInput) consume_input;
  decltype(&::PQnotifies) notifies;
  decltype(&::PQenterPipelineMode) enter_pipeline_mode;
  decltype(&::PQexitPipelineMode) exit_pipeline_mode;
  decltype(&::PQpipelineSync) pipeline_sync;
  decltype(&::PQsendQueryParams) send_query_params;
  decltype(&::PQsendQueryPrepared) send_query_prepared;
  decltype(&::PQgetResult) get_result;
};

// The loaded library, or nullptr with `error` set when libpq.so.5 cannot be loaded. Thread-safe;
// loads once.
const LibPq* LoadLibPq(std::string* error);

}  // namespace chorus::store::postgres
