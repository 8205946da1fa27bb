"""The demo's cloud bills in their providers' native formats: AWS CUR 2.0, an Azure amortized cost
export and a Google Cloud billing export.

The generator builds every bill as FOCUS rows (``writers.BillWriter.table``); here one month of those
rows becomes what the provider itself would deliver, so ``spendscope demo`` loads them through the
same adapters a customer's real files go through. Each conversion is one DuckDB query over the
month's FOCUS table and follows the provider's documented mechanics:

* **AWS CUR 2.0** (Data Exports, Parquet; costs as doubles): usage a Savings Plan covers is a
  ``SavingsPlanCoveredUsage`` row at its on-demand cost with the plan's effective cost beside it, and
  a ``SavingsPlanNegation`` row cancels the on-demand cost; the commitment is billed by daily
  ``SavingsPlanRecurringFee`` rows whose ``TotalCommitmentToDate`` minus ``UsedCommitment`` is what
  went unused (the FOCUS bill's Unused rows). Claude Sonnet 4 on Bedrock is sold through AWS
  Marketplace, as Anthropic's newer models are: its usage types are ``MP:`` token units.
* **Azure** (MCA amortized cost export: camelCase CSV with a byte-order mark, ``MM/DD/YYYY`` dates,
  tags without their outer braces).
* **Google Cloud** (the BigQuery billing export written as Parquet with nested records; costs as
  doubles rounded to the micro-dollar; a contractual spending-based discount as credits).

``Native.totals`` gives what the ledger must hold after the load, computed from the file as written
by the provider's own rules (AWS: unblended and amortized; Google: cost net of credits), so the
demo's reconciliation test checks the adapters against the bill, not against themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa

# Costs in CUR 2.0 and the GCP export are doubles: the demo rounds them so each one is exact in
# shortest decimal text (at most 15 significant digits for the amounts a scale-50 demo reaches).
CUR_DIGITS = 8
GCP_DIGITS = 6


@dataclass(frozen=True)
class Native:
    """One month of a bill in a provider's format, and what loading it must give the ledger."""

    table: pa.Table
    ledger_rows: int
    billed_cost: Decimal
    effective_cost: Decimal


def _run(con, focus: pa.Table, sql: str, totals_sql: str) -> Native:
    con.register("focus_month", focus)
    try:
        table = con.execute(sql).to_arrow_table()
        con.register("native_month", table)
        try:
            rows, billed, effective = con.execute(totals_sql).fetchone()
        finally:
            con.unregister("native_month")
    finally:
        con.unregister("focus_month")
    return Native(table, int(rows), Decimal(billed or 0), Decimal(effective or 0))


# -- AWS ---------------------------------------------------------------------------------------

# ServiceName -> (line_item_product_code, product servicecode, product name as CUR writes it)
AWS_PRODUCTS = {
    "Amazon Elastic Compute Cloud": ("AmazonEC2", "AmazonEC2", "Amazon Elastic Compute Cloud"),
    "Amazon Elastic Block Store": ("AmazonEC2", "AmazonEC2", "Amazon Elastic Compute Cloud"),
    "Amazon SageMaker": ("AmazonSageMaker", "AmazonSageMaker", "Amazon SageMaker"),
    "Amazon Bedrock": ("AmazonBedrock", "AmazonBedrock", "Amazon Bedrock"),
    "Amazon Simple Storage Service": ("AmazonS3", "AmazonS3", "Amazon Simple Storage Service"),
    "AWS Data Transfer": ("AWSDataTransfer", "AWSDataTransfer", "AWS Data Transfer"),
    "Savings Plans for AWS Compute usage": ("ComputeSavingsPlans", "ComputeSavingsPlans",
                                            "Savings Plans for AWS Compute usage"),
    "Amazon Relational Database Service": ("AmazonRDS", "AmazonRDS", "Amazon Relational Database Service"),
    "Amazon Elastic Kubernetes Service": ("AmazonEKS", "AmazonEKS", "Amazon Elastic Kubernetes Service"),
    "Amazon CloudWatch": ("AmazonCloudWatch", "AmazonCloudWatch", "AmazonCloudWatch"),
}
# FOCUS PricingUnit -> CUR pricing_unit
AWS_UNITS = {"Hours": "Hrs", "GB-Months": "GB-Mo"}
# Bedrock token classes -> the usage type's token part: first-party models and Marketplace ones
BEDROCK_TOKENS = {"Input": "input-tokens", "Output": "output-tokens", "Cache Read Input": "cache-read-tokens",
                  "Cache Write Input": "cache-write-tokens"}
MARKETPLACE_TOKENS = {"Input": "InputTokenCount", "Output": "OutputTokenCount",
                      "Cache Read Input": "CacheReadInputTokenCount", "Cache Write Input": "CacheWriteInputTokenCount"}
# Bedrock models sold through AWS Marketplace: model id prefix -> (product name, seller)
MARKETPLACE_MODELS = {"anthropic.claude-sonnet-4": ("Claude Sonnet 4 (Amazon Bedrock Edition)", "Anthropic, PBC")}
# First-party Bedrock models: model id prefix -> the model's part of the usage type
BEDROCK_MODELS = {"anthropic.claude-3-5-haiku": "Claude3.5Haiku"}


def _case(expr: str, mapping: dict[str, str], else_: str, like: bool = False) -> str:
    def q(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"
    whens = " ".join(f"WHEN {expr} {'LIKE' if like else '='} {q(k + '%' if like else k)} THEN {q(v)}"
                     for k, v in mapping.items())
    return f"CASE {whens} ELSE {else_} END"


def _aws_sql() -> str:
    product = {k: v[0] for k, v in AWS_PRODUCTS.items()}
    servicecode = {k: v[1] for k, v in AWS_PRODUCTS.items()}
    product_name = {k: v[2] for k, v in AWS_PRODUCTS.items()}
    model = "json_extract_string(SkuPriceDetails, '$.ModelId')"
    token = "json_extract_string(SkuPriceDetails, '$.TokenType')"
    marketplace = " OR ".join(f"{model} LIKE '{k}%'" for k in MARKETPLACE_MODELS)
    mp_name = _case(model, {k: v[0] for k, v in MARKETPLACE_MODELS.items()}, "NULL", like=True)
    mp_seller = _case(model, {k: v[1] for k, v in MARKETPLACE_MODELS.items()}, "NULL", like=True)
    first_party = _case(model, BEDROCK_MODELS, "NULL", like=True)
    usage_type = f"""CASE
        WHEN ServiceName = 'Amazon Bedrock' AND ({marketplace})
          THEN 'USE1-MP:USE1_' || {_case(token, MARKETPLACE_TOKENS, 'NULL')} || '-Units'
        WHEN ServiceName = 'Amazon Bedrock'
          THEN 'USE1-' || {first_party} || '-' || {_case(token, BEDROCK_TOKENS, 'NULL')}
        ELSE SkuMeter END"""
    return f"""
    WITH f AS (
      SELECT *, row_number() OVER () AS n,
        CASE WHEN ChargeCategory = 'Purchase' THEN 'fee'
             WHEN CommitmentDiscountStatus = 'Used' THEN 'covered'
             WHEN CommitmentDiscountStatus = 'Unused' THEN 'unused'
             ELSE 'usage' END AS k,
        CAST(round(BilledCost, {CUR_DIGITS}) AS DOUBLE) AS billed,
        CAST(round(ListCost, {CUR_DIGITS}) AS DOUBLE) AS on_demand,
        CAST(round(EffectiveCost, {CUR_DIGITS}) AS DOUBLE) AS effective,
        ServiceName = 'Amazon Bedrock' AND ({marketplace}) AS mp,
        -- first-party Bedrock models are priced per 1,000 tokens in CUR, Marketplace ones per million
        CASE WHEN ServiceName = 'Amazon Bedrock' AND NOT ({marketplace}) AND PricingUnit = '1000000 Tokens'
             THEN 1000 ELSE 1 END AS per_unit
      FROM focus_month
    ),
    used AS (  -- what each commitment covered, per day: its used commitment on that day's fee row
      SELECT CommitmentDiscountId AS id, ChargePeriodStart AS day, sum(CAST(effective AS DECIMAL(38, 12))) AS used
      FROM f WHERE k = 'covered' GROUP BY ALL
    ),
    fees AS (  -- the month's commitment purchase, billed per day
      SELECT f.* REPLACE (day AS ChargePeriodStart, day + INTERVAL 1 DAY AS ChargePeriodEnd),
        CAST(round(ListUnitPrice * 24, {CUR_DIGITS}) AS DOUBLE) AS daily
      FROM f, unnest(generate_series(ChargePeriodStart, ChargePeriodEnd - INTERVAL 1 DAY, INTERVAL 1 DAY)) AS t(day)
      WHERE k = 'fee'
    ),
    rows AS (
      SELECT f.*, CASE k WHEN 'covered' THEN 'SavingsPlanCoveredUsage' ELSE 'Usage' END AS line_item_type,
        CASE k WHEN 'covered' THEN on_demand ELSE billed END AS unblended,
        CAST(NULL AS DOUBLE) AS commitment, CAST(NULL AS DOUBLE) AS used_commitment, 0 AS part
      FROM f WHERE k IN ('usage', 'covered')
      UNION ALL
      SELECT f.*, 'SavingsPlanNegation', -on_demand, NULL, NULL, 1 FROM f WHERE k = 'covered'
      UNION ALL
      SELECT fees.* EXCLUDE (daily), 'SavingsPlanRecurringFee', daily, daily,
        CAST(coalesce(used.used, 0) AS DOUBLE), 2
      FROM fees LEFT JOIN used ON used.id = fees.CommitmentDiscountId AND used.day = fees.ChargePeriodStart
    )
    SELECT
      md5(concat_ws('/', n, part, ChargePeriodStart)) AS identity_line_item_id,
      strftime(ChargePeriodStart, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(ChargePeriodEnd, '%Y-%m-%dT%H:%M:%SZ')
        AS identity_time_interval,
      'Anniversary' AS bill_bill_type,
      CASE WHEN mp THEN 'AWS Marketplace' ELSE 'AWS' END AS bill_billing_entity,
      BillingPeriodEnd AS bill_billing_period_end_date,
      BillingPeriodStart AS bill_billing_period_start_date,
      InvoiceId AS bill_invoice_id,
      'Amazon Web Services, Inc.' AS bill_invoicing_entity,
      BillingAccountId AS bill_payer_account_id,
      BillingAccountName AS bill_payer_account_name,
      AvailabilityZone AS line_item_availability_zone,
      BillingCurrency AS line_item_currency_code,
      CASE WHEN mp THEN {mp_seller} ELSE 'Amazon Web Services, Inc.' END AS line_item_legal_entity,
      CASE line_item_type
        WHEN 'SavingsPlanNegation' THEN 'SavingsPlanNegation used by AccountId : ' || SubAccountId
                                        || ' and UsageSku : ' || SkuId
        ELSE ChargeDescription END AS line_item_line_item_description,
      line_item_type AS line_item_line_item_type,
      CASE WHEN ServiceName = 'Amazon Elastic Compute Cloud' AND line_item_type <> 'SavingsPlanRecurringFee'
           THEN 'RunInstances' ELSE NULL END AS line_item_operation,
      CASE WHEN mp THEN 'prod-' || substr(md5({model}), 1, 13)
           ELSE {_case('ServiceName', product, 'NULL')} END AS line_item_product_code,
      ResourceId AS line_item_resource_id,
      unblended AS line_item_unblended_cost,
      CAST(CASE WHEN line_item_type = 'SavingsPlanRecurringFee' THEN ListUnitPrice
                WHEN line_item_type = 'SavingsPlanNegation' THEN -ListUnitPrice
                WHEN k = 'covered' THEN ListUnitPrice
                ELSE ContractedUnitPrice / per_unit END AS DOUBLE) AS line_item_unblended_rate,
      SubAccountId AS line_item_usage_account_id,
      SubAccountName AS line_item_usage_account_name,
      CAST(CASE WHEN line_item_type = 'SavingsPlanRecurringFee' THEN 24 ELSE PricingQuantity * per_unit END AS DOUBLE)
        AS line_item_usage_amount,
      ChargePeriodEnd AS line_item_usage_end_date,
      ChargePeriodStart AS line_item_usage_start_date,
      {usage_type} AS line_item_usage_type,
      BillingCurrency AS pricing_currency,
      CASE WHEN line_item_type IN ('SavingsPlanNegation', 'SavingsPlanRecurringFee') THEN NULL
           ELSE on_demand END AS pricing_public_on_demand_cost,
      CASE WHEN line_item_type IN ('SavingsPlanNegation', 'SavingsPlanRecurringFee') THEN NULL
           ELSE CAST(ListUnitPrice / per_unit AS DOUBLE) END AS pricing_public_on_demand_rate,
      SkuPriceId AS pricing_rate_code,
      CASE WHEN PricingCategory = 'Dynamic' THEN 'Spot'
           WHEN line_item_type = 'SavingsPlanRecurringFee' THEN 'Savings Plan'
           ELSE 'OnDemand' END AS pricing_term,
      CASE WHEN ServiceName = 'Amazon Bedrock' THEN CASE WHEN mp THEN '1M tokens' ELSE '1K tokens' END
           ELSE {_case('PricingUnit', AWS_UNITS, 'PricingUnit')} END AS pricing_unit,
      CASE WHEN mp THEN MAP {{'product_name': {mp_name}, 'region': RegionId, 'location': RegionName,
                              'servicecode': 'AmazonBedrock'}}
           ELSE MAP {{'product_name': {_case('ServiceName', product_name, 'ServiceName')}, 'region': RegionId,
                     'location': RegionName, 'servicecode': {_case('ServiceName', servicecode, 'NULL')}}}
      END AS product,
      RegionId AS product_region_code,
      SkuId AS product_sku,
      CASE WHEN k IN ('covered', 'fee') THEN CommitmentDiscountId END AS savings_plan_savings_plan_a_r_n,
      CASE WHEN line_item_type = 'SavingsPlanCoveredUsage' THEN effective
           WHEN line_item_type = 'SavingsPlanNegation' THEN 0 END AS savings_plan_savings_plan_effective_cost,
      CASE WHEN line_item_type = 'SavingsPlanCoveredUsage'
           THEN CAST(round(EffectiveCost / PricingQuantity, 6) AS DOUBLE) END AS savings_plan_savings_plan_rate,
      commitment AS savings_plan_total_commitment_to_date,
      used_commitment AS savings_plan_used_commitment,
      CASE WHEN Tags IS NULL THEN MAP {{}}::MAP(VARCHAR, VARCHAR)
           ELSE map_from_entries(list_transform(json_keys(Tags),
                  k -> {{'key': 'user_' || k, 'value': json_extract_string(Tags, '$."' || k || '"')}}))
      END AS resource_tags
    FROM rows
    ORDER BY ChargePeriodStart, n, part
    """


# Amortised: covered usage at the plan's effective cost, negations at 0, a fee's unused commitment.
_AWS_TOTALS = """
SELECT count(*) + count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanRecurringFee'
                                   AND savings_plan_total_commitment_to_date <> savings_plan_used_commitment),
  sum(CAST(line_item_unblended_cost::VARCHAR AS DECIMAL(38, 12))),
  sum(CASE line_item_line_item_type
        WHEN 'SavingsPlanCoveredUsage' THEN CAST(savings_plan_savings_plan_effective_cost::VARCHAR AS DECIMAL(38, 12))
        WHEN 'SavingsPlanNegation' THEN 0
        WHEN 'SavingsPlanRecurringFee' THEN CAST(savings_plan_total_commitment_to_date::VARCHAR AS DECIMAL(38, 12))
                                          - CAST(savings_plan_used_commitment::VARCHAR AS DECIMAL(38, 12))
        ELSE CAST(line_item_unblended_cost::VARCHAR AS DECIMAL(38, 12)) END)
FROM native_month
"""


def aws(con, focus: pa.Table) -> Native:
    """One month of the AWS bill as CUR 2.0 rows."""
    return _run(con, focus, _aws_sql(), _AWS_TOTALS)


# -- Azure -------------------------------------------------------------------------------------

# FOCUS PricingUnit -> Azure unitOfMeasure
AZURE_UNITS = {"Hours": "1 Hour", "GB-Months": "1 GB/Month", "1K Tokens": "1K", "10K Transactions": "10K"}
AML_WORKSPACE = "nwai-ml"
# ServiceName -> (meterCategory, consumedService)
AZURE_METERS = {
    "Azure OpenAI": ("Cognitive Services", "Microsoft.CognitiveServices"),
    "Virtual Machines": ("Virtual Machines", "Microsoft.Compute"),
    "Azure Machine Learning": ("Virtual Machines", "Microsoft.MachineLearningServices"),
    "Storage": ("Storage", "Microsoft.Storage"),
}


def _azure_sql() -> str:
    category = _case("ServiceName", {k: v[0] for k, v in AZURE_METERS.items()}, "ServiceName")
    consumed = _case("ServiceName", {k: v[1] for k, v in AZURE_METERS.items()}, "NULL")
    text = "CAST({} AS VARCHAR)"
    day = "strftime({}, '%m/%d/%Y')"
    return f"""
    WITH f AS (
      -- Azure Machine Learning compute is billed to its workspace
      SELECT * REPLACE (
        CASE WHEN ServiceName = 'Azure Machine Learning'
             THEN regexp_replace(ResourceId, '/providers/.*$', '/providers/microsoft.machinelearningservices/workspaces/'
                                 || '{AML_WORKSPACE}') ELSE ResourceId END AS ResourceId,
        CASE WHEN ServiceName = 'Azure Machine Learning' THEN '{AML_WORKSPACE}' ELSE ResourceName END AS ResourceName)
      FROM focus_month
    )
    SELECT
      regexp_extract(BillingAccountId, 'billingAccounts/([^/]+)', 1) AS billingAccountId,
      BillingAccountName AS billingAccountName,
      regexp_extract(BillingAccountId, 'billingProfiles/([^/]+)', 1) AS billingProfileId,
      BillingAccountName AS billingProfileName,
      InvoiceId AS invoiceId,
      'Research and platform' AS invoiceSectionName,
      {day.format('BillingPeriodStart')} AS billingPeriodStartDate,
      {day.format("BillingPeriodEnd - INTERVAL 1 DAY")} AS billingPeriodEndDate,
      {day.format('ChargePeriodStart')} AS date,
      regexp_extract(SubAccountId, '/subscriptions/(.+)', 1) AS subscriptionId,
      SubAccountName AS subscriptionName,
      regexp_extract(ResourceId, '/resourcegroups/([^/]+)', 1) AS resourceGroupName,
      ResourceId AS ResourceId,
      ResourceName AS resourceName,
      RegionId AS resourceLocation,
      AvailabilityZone AS availabilityZone,
      {category} AS meterCategory,
      CASE WHEN ServiceName = 'Azure OpenAI' THEN 'Azure OpenAI' ELSE SkuMeter END AS meterSubCategory,
      SkuMeter AS meterName,
      RegionName AS meterRegion,
      SkuId AS meterId,
      {category} || ' - ' || SkuMeter AS productName,
      SkuId AS productId,
      {_case('PricingUnit', AZURE_UNITS, 'PricingUnit')} AS unitOfMeasure,
      {text.format('PricingQuantity')} AS quantity,
      {text.format('ContractedUnitPrice')} AS effectivePrice,
      {text.format('ListUnitPrice')} AS unitPrice,
      {text.format('ListUnitPrice')} AS paygPrice,
      {text.format('EffectiveCost')} AS costInBillingCurrency,
      {text.format('EffectiveCost')} AS costInPricingCurrency,
      {text.format('ListCost')} AS paygCostInBillingCurrency,
      '1' AS exchangeRatePricingToBilling,
      BillingCurrency AS billingCurrency,
      BillingCurrency AS pricingCurrency,
      {consumed} AS consumedService,
      CASE WHEN Tags IS NULL THEN NULL ELSE regexp_replace(Tags, '^\\{{(.*)\\}}$', '\\1') END AS tags,
      'Azure' AS publisherType,
      'Microsoft' AS publisherName,
      'Usage' AS chargeType,
      'UsageBased' AS frequency,
      CASE PricingCategory WHEN 'Dynamic' THEN 'Spot' ELSE 'OnDemand' END AS pricingModel,
      NULL AS benefitId,
      NULL AS benefitName
    FROM f
    ORDER BY ChargePeriodStart
    """


_AZURE_TOTALS = """
SELECT count(*), sum(CAST(costInBillingCurrency AS DECIMAL(38, 12))), sum(CAST(costInBillingCurrency AS DECIMAL(38, 12)))
FROM native_month
"""


def azure(con, focus: pa.Table) -> Native:
    """One month of the Azure bill as an MCA amortized cost export (the demo's Azure bill has no
    commitments, so amortized and actual costs are the same)."""
    if "CommitmentDiscountId" in focus.column_names and focus.column("CommitmentDiscountId").null_count < focus.num_rows:
        raise ValueError("The demo's Azure export writes no commitments: add reservation rows to native.azure first.")
    return _run(con, focus, _azure_sql(), _AZURE_TOTALS)


# -- Google Cloud ------------------------------------------------------------------------------

# FOCUS PricingUnit -> (usage.unit, usage.amount per pricing unit, usage.pricing_unit)
GCP_UNITS = {
    "Hours": ("seconds", 3600, "hour"),
    "Chip-Hours": ("seconds", 3600, "hour"),
    "GB-Months": ("gibibyte month", 1, "gibibyte month"),
    "TiB": ("tebibyte", 1, "tebibyte"),
    "1000000 Tokens": ("count", 1_000_000, "count"),
}
GCP_SERVICE_IDS = {"Gemini API": "AEFD-7695-64FA", "Vertex AI": "C7E2-9256-1C43", "Compute Engine": "6F81-5844-456A",
                   "Cloud TPU": "E000-3F24-B8AA", "Cloud Storage": "95FF-2EF5-5EA1", "BigQuery": "24E6-581D-38E5"}
# The agreement's spending-based discount on AI services, as Google bills it: a credit on each row
AI_DISCOUNT = "0.05"
DISCOUNT_ID = "contract-nwai-2025"
# Token SKUs as Google names them: "Gemini 2.5 Flash GA Text Input - Predictions"
GCP_TOKEN_SKUS = {"Input": "GA Text Input", "Cached Input": "GA Cached Text Input", "Output": "GA Text Output"}


def _gcp_sql() -> str:
    unit_of = {k: v[0] for k, v in GCP_UNITS.items()}
    factor = " ".join(f"WHEN '{k}' THEN {v[1]}" for k, v in GCP_UNITS.items())
    pricing_unit = {k: v[2] for k, v in GCP_UNITS.items()}
    model = "json_extract_string(SkuPriceDetails, '$.ModelId')"
    token = "json_extract_string(SkuPriceDetails, '$.TokenType')"
    display = "regexp_replace(SkuMeter, ' (Cached Input|Input|Output) Tokens$', '')"
    sku = f"""CASE WHEN {model} IS NOT NULL
                   THEN {display} || ' ' || {_case(token, GCP_TOKEN_SKUS, 'NULL')} || ' - Predictions'
                   ELSE SkuMeter END"""
    ai = "ServiceCategory = 'AI and Machine Learning'"
    return f"""
    WITH f AS (
      SELECT *, CAST(round(BilledCost, {GCP_DIGITS}) AS DOUBLE) AS cost_,
             CASE PricingUnit {factor} ELSE 1 END AS per_unit
      FROM focus_month
    )
    SELECT
      BillingAccountId AS billing_account_id,
      {{'id': {_case('ServiceName', GCP_SERVICE_IDS, 'NULL')}, 'description': ServiceName}} AS service,
      {{'id': SkuId, 'description': {sku}}} AS sku,
      ChargePeriodStart AS usage_start_time,
      ChargePeriodEnd AS usage_end_time,
      {{'id': SubAccountId, 'number': CAST(hash(SubAccountId) % 900000000000 + 100000000000 AS VARCHAR),
        'name': SubAccountName,
        'labels': [{{'key': 'cost-center', 'value': json_extract_string(Tags, '$."cost-center"')}}],
        'ancestry_numbers': '/518273649012/'}} AS project,
      CASE WHEN Tags IS NULL THEN []::STRUCT(key VARCHAR, value VARCHAR)[]
           ELSE list_transform(json_keys(Tags), k -> {{'key': k, 'value': json_extract_string(Tags, '$."' || k || '"')}})
      END AS labels,
      []::STRUCT(key VARCHAR, value VARCHAR)[] AS system_labels,
      {{'location': RegionId, 'country': 'US', 'region': RegionId, 'zone': NULL::VARCHAR}} AS location,
      ChargePeriodEnd + INTERVAL 5 HOUR AS export_time,
      cost_ AS cost,
      'USD' AS currency,
      1.0 AS currency_conversion_rate,
      {{'amount': CAST(PricingQuantity * per_unit AS DOUBLE), 'unit': {_case('PricingUnit', unit_of, 'lower(PricingUnit)')},
        'amount_in_pricing_units': CAST(PricingQuantity * CASE WHEN PricingUnit = '1000000 Tokens' THEN per_unit ELSE 1 END
                                        AS DOUBLE),
        'pricing_unit': {_case('PricingUnit', pricing_unit, 'lower(PricingUnit)')}}} AS usage,
      CASE WHEN {ai} AND PricingCategory = 'Standard'
           THEN [{{'name': 'Spending based discount (contractual)',
                   'amount': -CAST(round(BilledCost * {AI_DISCOUNT}, {GCP_DIGITS}) AS DOUBLE),
                   'full_name': NULL::VARCHAR, 'id': '{DISCOUNT_ID}', 'type': 'DISCOUNT'}}]
           ELSE []::STRUCT(name VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR, type VARCHAR)[]
      END AS credits,
      {{'month': strftime(BillingPeriodStart, '%Y%m')}} AS invoice,
      'regular' AS cost_type,
      {{'id': NULL::VARCHAR, 'description': NULL::VARCHAR, 'mode': NULL::VARCHAR, 'type': NULL::VARCHAR}}
        AS adjustment_info,
      {{'name': ResourceName, 'global_name': ResourceId}} AS resource,
      CAST(round(ListCost, {GCP_DIGITS}) AS DOUBLE) AS cost_at_list
    FROM f
    ORDER BY ChargePeriodStart
    """


_GCP_TOTALS = """
WITH r AS (
  SELECT CAST(cost::VARCHAR AS DECIMAL(38, 12)) AS cost,
    coalesce(list_sum(list_transform(credits, c -> CAST(c.amount::VARCHAR AS DECIMAL(38, 12)))), 0) AS credits,
    len(credits) AS n
  FROM native_month
)
SELECT count(*) + sum(n), sum(cost + credits), sum(cost + credits) FROM r
"""


def gcp(con, focus: pa.Table) -> Native:
    """One month of the Google Cloud bill as billing-export rows."""
    return _run(con, focus, _gcp_sql(), _GCP_TOTALS)
