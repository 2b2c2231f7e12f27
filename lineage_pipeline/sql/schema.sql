-- The published warehouse (DESIGN.md). `customers` is created from the contracts' fields.
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status VARCHAR,
    summary JSON
);
CREATE TABLE sources (
    source VARCHAR,
    kind VARCHAR,
    supplier VARCHAR,
    legal_basis VARCHAR,
    licence VARCHAR,
    priority INTEGER,
    match_threshold DOUBLE,
    match_entity VARCHAR,
    contract_file VARCHAR,
    field VARCHAR,
    column_name VARCHAR,
    purposes VARCHAR[],
    retention_days INTEGER
);
CREATE TABLE deliveries (
    source VARCHAR,
    path VARCHAR,
    sha256 VARCHAR,
    rows BIGINT,
    rows_quarantined BIGINT,
    rows_linked BIGINT,
    rows_unlinked BIGINT,
    acquired_at TIMESTAMP,
    ingested_at TIMESTAMP,
    run_id VARCHAR,
    status VARCHAR,
    error VARCHAR
);
CREATE TABLE quarantine (
    source VARCHAR,
    delivery VARCHAR,
    row_number BIGINT,
    "column" VARCHAR,
    reason VARCHAR,
    raw VARCHAR,
    run_id VARCHAR
);
CREATE TABLE customer_fields (
    customer_id VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    value VARCHAR,
    source VARCHAR NOT NULL,
    source_kind VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    delivery VARCHAR NOT NULL,
    match_probability DOUBLE,
    legal_basis VARCHAR NOT NULL,
    purposes VARCHAR[] NOT NULL,
    acquired_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    run_id VARCHAR NOT NULL,
    is_current BOOLEAN NOT NULL
);
CREATE TABLE match_evidence (
    source VARCHAR,
    source_record_id VARCHAR,
    delivery VARCHAR,
    customer_id VARCHAR,
    match_probability DOUBLE,
    match_weight DOUBLE,
    decision VARCHAR,
    comparisons JSON,
    run_id VARCHAR
);
CREATE TABLE match_weights (
    source VARCHAR,
    field VARCHAR,
    level INTEGER,
    level_label VARCHAR,
    m_probability DOUBLE,
    u_probability DOUBLE,
    weight DOUBLE,
    prior_weight DOUBLE,
    run_id VARCHAR
);
CREATE TABLE suppressions (
    subject_key VARCHAR,
    scope VARCHAR,
    kind VARCHAR,
    requested_at TIMESTAMP,
    request_id VARCHAR
);
CREATE TABLE quality_results (
    run_id VARCHAR,
    suite VARCHAR,
    asset VARCHAR,
    expectation VARCHAR,
    "column" VARCHAR,
    success BOOLEAN,
    observed VARCHAR,
    expected VARCHAR,
    severity VARCHAR,
    checked_at TIMESTAMP
);
CREATE TABLE privacy_requests (
    request_id VARCHAR PRIMARY KEY,
    kind VARCHAR,
    subject_key VARCHAR,
    scope VARCHAR,
    requested_at TIMESTAMP,
    completed_at TIMESTAMP,
    counts JSON
);
CREATE TABLE corrections (
    request_id VARCHAR,
    customer_id VARCHAR,
    field VARCHAR,
    value VARCHAR,
    requested_at TIMESTAMP
);
CREATE TABLE warehouse_settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE purposes (
    purpose VARCHAR PRIMARY KEY,
    description VARCHAR,
    parent VARCHAR
);
