"""Synthetic FOCUS 1.2 data for the benchmarks, shaped like a real multi-provider export.

All 57 FOCUS 1.2 columns; AWS, Microsoft, Google Cloud, Oracle, OpenAI and Anthropic with two
billing accounts and eight sub accounts each; 60 services with their ServiceCategory and
ServiceSubcategory; GPU instances and token SKUs; daily charge periods over twelve months; usage,
purchase, tax, credit and correction rows; Tags on about 70% of rows. Generated with DuckDB SQL and
cached under ``bench/out/data/`` (``dataset(rows, fmt)``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from spendscope.focus.columns import FOCUS_12_COLUMNS
from spendscope.focus.vocabulary import SERVICE_SUBCATEGORIES

HERE = Path(__file__).resolve().parent
DATA = HERE / "out" / "data"
GENERATOR_VERSION = 2  # bump when the generated data changes, so cached files are not reused

# -- the synthetic organisation -----------------------------------------------------------------

# provider -> (billing account type, sub account type, regions, commitment (name, category, type) or None)
PROVIDERS = {
    "AWS": ("Management Account", "Member Account",
            [("us-east-1", "US East (N. Virginia)"), ("us-west-2", "US West (Oregon)"), ("eu-west-1", "Europe (Ireland)")],
            ("Compute Savings Plan, 3 year, no upfront", "Spend", "Savings Plan")),
    "Microsoft": ("Billing Account", "Subscription",
                  [("eastus", "East US"), ("westeurope", "West Europe"), ("swedencentral", "Sweden Central")],
                  ("Reserved VM Instance, 1 year", "Usage", "Reservation")),
    "Google Cloud": ("Billing Account", "Project",
                     [("us-central1", "Iowa"), ("europe-west4", "Netherlands"), ("us-east4", "Northern Virginia")],
                     ("Committed use discount, 3 year", "Usage", "Committed Use Discount")),
    "Oracle": ("Tenancy", "Compartment",
               [("us-ashburn-1", "US East (Ashburn)"), ("eu-frankfurt-1", "Germany Central (Frankfurt)"),
                ("us-phoenix-1", "US West (Phoenix)")],
               ("Universal Credits, annual", "Spend", "Annual Commitment")),
    "OpenAI": ("Organization", "Project", [(None, None)] * 3, None),
    "Anthropic": ("Organization", "Workspace", [(None, None)] * 3, None),
}

# provider -> two billing accounts (id, name, currency, negotiated discount) and eight sub accounts
ACCOUNTS = {
    "AWS": ([("123456789012", "Acme Corp", "USD", "0.9300"), ("210987654321", "Acme Research", "USD", "1")],
            [("334455667788", "ml-training-prod"), ("445566778899", "ml-inference-prod"), ("556677889900", "data-platform"),
             ("667788990011", "web-prod"), ("778899001122", "research-sandbox"), ("889900112233", "genai-experiments"),
             ("990011223344", "shared-services"), ("101112131415", "security-audit")]),
    "Microsoft": ([("/providers/Microsoft.Billing/billingAccounts/71234567", "Acme EA", "USD", "0.9500"),
                   ("/providers/Microsoft.Billing/billingAccounts/8b1c2d3e-5f60:7a8b9c0d_2019-05-31", "Acme Europe MCA", "EUR", "1")],
                  [(f"{n:08x}-4a1b-4c2d-9e3f-0a1b2c3d4e5f", name) for n, name in enumerate(
                      ["sub-ai-prod", "sub-ai-dev", "sub-data", "sub-web", "sub-eu-ai-prod", "sub-eu-analytics",
                       "sub-eu-shared", "sub-eu-sandbox"], start=0x1f2e3d4c)]),
    "Google Cloud": ([("01A2B3-C4D5E6-F7A8B9", "Acme GCP Billing", "USD", "0.9700"), ("0F1E2D-3C4B5A-697887", "Acme Labs", "USD", "1")],
                     [(p, p) for p in ["acme-vertex-prod", "acme-gke-prod", "acme-bq-analytics", "acme-web",
                                       "acme-labs-tpu", "acme-labs-research", "acme-labs-evals", "acme-labs-shared"]]),
    "Oracle": ([("ocid1.tenancy.oc1..aaaaaaaa3kqlzm5q", "acme-oci", "USD", "0.9000"),
                ("ocid1.tenancy.oc1..aaaaaaaab7xw2hpe", "acme-oci-labs", "USD", "1")],
               [(f"ocid1.compartment.oc1..aaaaaaaa{n}", name) for n, name in enumerate(
                   ["gpu-cluster", "inference", "storage", "network", "labs-gpu", "labs-genai", "labs-data", "labs-shared"])]),
    "OpenAI": ([("org-Xk3fP9aQ2LmZ", "Acme", "USD", "1"), ("org-9QwErTy5UiOp", "Acme Labs", "USD", "1")],
               [(f"proj_{n}aB3dE5fG7hJ9kL", name) for n, name in enumerate(
                   ["chat-assistant", "support-bot", "doc-search", "internal-tools", "evals", "agents", "red-team", "playground"])]),
    "Anthropic": ([("8f3c2a1e-acme-org", "Acme", "USD", "1"), ("2b7d9e4f-acme-labs-org", "Acme Labs", "USD", "1")],
                  [(f"wrkspc_01{n}HmQ8xV2kPz", name) for n, name in enumerate(
                      ["default", "code-review", "summaries", "customer-agent", "research", "long-context", "batch-evals", "sandbox"])]),
}

TEAMS = ["ml-platform", "search", "recommendations", "genai-apps", "data-eng", "research", "web", "finops"]
PROJECTS = ["llm-chat", "rag-search", "fraud-model", "recsys-v2", "vision-qa", "speech", "churn", "etl-core",
            "agentic-support", "pretrain-7b", "eval-harness", "dashboards"]


@dataclass(frozen=True)
class Sku:
    provider: str
    service: str
    category: str
    subcategory: str
    meter: str
    pricing_unit: str
    price: str  # list unit price, decimal text
    scale: float  # typical PricingQuantity per daily row (tokens: tokens per row)
    weight: int  # relative number of rows
    resource_type: str | None = None
    resource: str | None = None  # ResourceId template: {region} {account} {id}
    consumed_unit: str | None = None
    instance: str | None = None
    model: str | None = None
    token_type: str | None = None
    publisher: str | None = None
    frequency: str = "Usage-Based"
    commitable: bool = False
    zonal: bool = False
    details: str | None = None  # SkuPriceDetails JSON when not derived from instance or model


def _vm(provider, service, instance, price, weight, gpu=False, category="Compute", subcategory="Virtual Machines"):
    templates = {
        "AWS": "arn:aws:ec2:{region}:{account}:instance/i-0{id}",
        "Microsoft": "/subscriptions/{account}/resourceGroups/rg-compute/providers/Microsoft.Compute/virtualMachines/vm-{id}",
        "Google Cloud": "//compute.googleapis.com/projects/{account}/zones/{region}-a/instances/vm-{id}",
        "Oracle": "ocid1.instance.oc1.{region}.an{id}",
    }
    return Sku(provider, service, category, subcategory, f"{instance} {'GPU ' if gpu else ''}Instance Hours", "Hours", price,
               24, weight, "Virtual Machine", templates[provider], "Hours", instance, commitable=True, zonal=provider == "AWS")


def _tokens(provider, service, model, prices, weight, publisher=None, category="AI and Machine Learning",
            subcategory="Generative AI"):
    out = []
    scales = {"input": 4e6, "output": 8e5, "cached_input": 2e6, "cache_write": 5e5}
    meters = {"input": "Input Tokens", "output": "Output Tokens", "cached_input": "Cached Input Tokens",
              "cache_write": "Cache Write Tokens"}
    for token_type, price in prices.items():
        out.append(Sku(provider, service, category, subcategory, f"{model} {meters[token_type]}", "1000000 Tokens", price,
                       scales[token_type], weight, "Model", "{account}/models/" + model, "Tokens", model=model,
                       token_type=token_type, publisher=publisher))
    return out


def _svc(provider, service, category, subcategory, meter, unit, price, scale, weight, resource_type=None, resource=None, **kw):
    return Sku(provider, service, category, subcategory, meter, unit, price, scale, weight, resource_type, resource, **kw)


AWS_S3 = "arn:aws:s3:::acme-{id}"
AWS_RES = "arn:aws:{region}:{account}:resource/{id}"
AZ_RES = "/subscriptions/{account}/resourceGroups/rg-shared/providers/Microsoft.Resources/{id}"
GCP_RES = "//cloudresourcemanager.googleapis.com/projects/{account}/resources/{id}"
OCI_RES = "ocid1.resource.oc1.{region}.aa{id}"

SKUS: list[Sku] = [
    # AWS
    _vm("AWS", "Amazon Elastic Compute Cloud", "p5.48xlarge", "98.32", 30, gpu=True),
    _vm("AWS", "Amazon Elastic Compute Cloud", "p4d.24xlarge", "32.7726", 25, gpu=True),
    _vm("AWS", "Amazon Elastic Compute Cloud", "g5.12xlarge", "5.672", 30, gpu=True),
    _vm("AWS", "Amazon Elastic Compute Cloud", "g6.xlarge", "0.8048", 30, gpu=True),
    _vm("AWS", "Amazon Elastic Compute Cloud", "m7i.2xlarge", "0.4032", 60),
    _vm("AWS", "Amazon Elastic Compute Cloud", "c7g.4xlarge", "0.58", 40),
    _vm("AWS", "Amazon Elastic Compute Cloud", "r6i.8xlarge", "2.016", 30),
    _vm("AWS", "Amazon Elastic Compute Cloud", "t3.medium", "0.0416", 40),
    _svc("AWS", "Amazon Elastic Block Store", "Storage", "Block Storage", "gp3 Storage", "GB-Months", "0.08", 40, 60,
         "Volume", "arn:aws:ec2:{region}:{account}:volume/vol-0{id}", zonal=True),
    _svc("AWS", "Amazon Elastic Block Store", "Storage", "Block Storage", "io2 Provisioned IOPS", "IOPS-Months", "0.065", 300, 10,
         "Volume", "arn:aws:ec2:{region}:{account}:volume/vol-0{id}", zonal=True),
    _svc("AWS", "Amazon Simple Storage Service", "Storage", "Object Storage", "Standard Storage", "GB-Months", "0.023", 2000, 50,
         "Bucket", AWS_S3, details='{"StorageClass":"STANDARD"}'),
    _svc("AWS", "Amazon Simple Storage Service", "Storage", "Object Storage", "PUT, COPY, POST, LIST Requests", "Requests",
         "0.000005", 200000, 30, "Bucket", AWS_S3),
    _svc("AWS", "Amazon Simple Storage Service", "Storage", "Object Storage", "Glacier Deep Archive Storage", "GB-Months",
         "0.00099", 20000, 10, "Bucket", AWS_S3, details='{"StorageClass":"DEEP_ARCHIVE"}'),
    _svc("AWS", "Amazon SageMaker", "AI and Machine Learning", "Machine Learning", "ml.p4d.24xlarge Training", "Hours",
         "37.688", 24, 15, "Training Job", "arn:aws:sagemaker:{region}:{account}:training-job/train-{id}", instance="ml.p4d.24xlarge"),
    _svc("AWS", "Amazon SageMaker", "AI and Machine Learning", "Machine Learning", "ml.g5.2xlarge Hosting", "Hours",
         "1.515", 24, 20, "Endpoint", "arn:aws:sagemaker:{region}:{account}:endpoint/ep-{id}", instance="ml.g5.2xlarge"),
    _svc("AWS", "Amazon SageMaker", "AI and Machine Learning", "Machine Learning", "ml.t3.medium Notebook Instance", "Hours",
         "0.05", 12, 10, "Notebook Instance", "arn:aws:sagemaker:{region}:{account}:notebook-instance/nb-{id}", instance="ml.t3.medium"),
    *_tokens("AWS", "Amazon Bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0", {"input": "3.00", "output": "15.00"}, 25,
             publisher="Anthropic"),
    *_tokens("AWS", "Amazon Bedrock", "meta.llama3-70b-instruct-v1:0", {"input": "0.99", "output": "0.99"}, 15, publisher="Meta"),
    _svc("AWS", "Amazon Relational Database Service", "Databases", "Relational Databases", "db.r6g.xlarge PostgreSQL",
         "Hours", "0.48", 24, 30, "DB Instance", "arn:aws:rds:{region}:{account}:db:pg-{id}", commitable=True),
    _svc("AWS", "Amazon DynamoDB", "Databases", "NoSQL Databases", "Read Request Units", "Requests", "0.00000025", 5e6, 20,
         "Table", "arn:aws:dynamodb:{region}:{account}:table/t-{id}"),
    _svc("AWS", "Amazon CloudFront", "Networking", "Content Delivery", "Data Transfer Out to Internet", "GB", "0.085", 800, 20,
         "Distribution", "arn:aws:cloudfront::{account}:distribution/E{id}"),
    _svc("AWS", "AWS Data Transfer", "Networking", "Network Connectivity", "Inter-Region Data Transfer", "GB", "0.02", 2000, 40,
         None, None),
    _svc("AWS", "AWS Lambda", "Compute", "Serverless Compute", "Duration", "GB-Seconds", "0.0000166667", 5e5, 25,
         "Function", "arn:aws:lambda:{region}:{account}:function:fn-{id}"),
    _svc("AWS", "Amazon Elastic Kubernetes Service", "Compute", "Containers", "Cluster Hours", "Hours", "0.10", 24, 15,
         "Cluster", "arn:aws:eks:{region}:{account}:cluster/eks-{id}"),
    _svc("AWS", "Amazon CloudWatch", "Management and Governance", "Observability", "Log Data Ingestion", "GB", "0.50", 60, 25,
         "Log Group", "arn:aws:logs:{region}:{account}:log-group:/app/{id}"),
    _svc("AWS", "Amazon Redshift", "Databases", "Data Warehouses", "ra3.4xlarge Node Hours", "Hours", "3.26", 24, 10,
         "Cluster", "arn:aws:redshift:{region}:{account}:cluster:rs-{id}", commitable=True),
    _svc("AWS", "AWS Glue", "Analytics", "Data Processing", "ETL Job DPU", "Hours", "0.44", 40, 15, "Job", AWS_RES),
    _svc("AWS", "Amazon Athena", "Analytics", "Analytics Platforms", "Data Scanned", "TB", "5.00", 2, 10, "Workgroup", AWS_RES),
    _svc("AWS", "Amazon ElastiCache", "Databases", "Caching", "cache.r6g.large Node Hours", "Hours", "0.206", 24, 10,
         "Cache Cluster", AWS_RES, commitable=True),
    _svc("AWS", "Amazon Elastic File System", "Storage", "File Storage", "Standard Storage", "GB-Months", "0.30", 500, 10,
         "File System", AWS_RES),
    _svc("AWS", "AWS Key Management Service", "Security", "Secret Management", "API Requests", "Requests", "0.000003", 1e5, 10,
         "Key", AWS_RES),
    _svc("AWS", "Amazon Virtual Private Cloud", "Networking", "Network Infrastructure", "NAT Gateway Hours", "Hours", "0.045",
         24, 15, "NAT Gateway", AWS_RES),
    _svc("AWS", "AWS Support (Business)", "Management and Governance", "Support", "Business Support", "Months", "3000", 0.0333,
         2, frequency="Recurring"),
    _svc("AWS", "Amazon Kinesis", "Analytics", "Streaming Analytics", "Shard Hours", "Hours", "0.015", 240, 8, "Stream", AWS_RES),
    _svc("AWS", "Amazon OpenSearch Service", "Analytics", "Search", "r6g.large.search Instance Hours", "Hours", "0.167", 24, 8,
         "Domain", AWS_RES),
    _svc("AWS", "Amazon Simple Queue Service", "Integration", "Messaging", "Standard Requests", "Requests", "0.0000004", 1e6, 8,
         "Queue", AWS_RES),
    _svc("AWS", "AWS Step Functions", "Integration", "Workflow Orchestration", "State Transitions", "Requests", "0.000025", 1e5,
         5, "State Machine", AWS_RES),
    _svc("AWS", "Amazon Comprehend", "AI and Machine Learning", "Natural Language Processing", "Entity Recognition Units",
         "Units", "0.0001", 1e5, 5, "Endpoint", AWS_RES),
    # Microsoft
    _vm("Microsoft", "Virtual Machines", "Standard_ND96asr_v4", "27.197", 15, gpu=True),
    _vm("Microsoft", "Virtual Machines", "Standard_NC24ads_A100_v4", "3.673", 20, gpu=True),
    _vm("Microsoft", "Virtual Machines", "Standard_D4s_v5", "0.192", 40),
    _vm("Microsoft", "Virtual Machines", "Standard_E8s_v5", "0.504", 20),
    _svc("Microsoft", "Storage", "Storage", "Object Storage", "Hot LRS Data Stored", "GB-Months", "0.0184", 3000, 30,
         "Storage Account", AZ_RES, details='{"AccessTier":"Hot","Redundancy":"LRS"}'),
    *_tokens("Microsoft", "Azure OpenAI", "gpt-4o-2024-08-06", {"input": "2.50", "output": "10.00", "cached_input": "1.25"}, 20),
    _svc("Microsoft", "Azure Machine Learning", "AI and Machine Learning", "Machine Learning", "NC24ads A100 v4 Compute Hours",
         "Hours", "3.673", 24, 10, "Compute", AZ_RES, instance="Standard_NC24ads_A100_v4"),
    _svc("Microsoft", "Azure Kubernetes Service", "Compute", "Containers", "Uptime SLA", "Hours", "0.10", 24, 10, "Cluster",
         AZ_RES),
    _svc("Microsoft", "Azure SQL Database", "Databases", "Relational Databases", "vCore", "Hours", "0.2525", 96, 15, "Database",
         AZ_RES, commitable=True),
    _svc("Microsoft", "Azure Cosmos DB", "Databases", "NoSQL Databases", "100 RU/s", "Hours", "0.008", 480, 10, "Account", AZ_RES),
    _svc("Microsoft", "Bandwidth", "Networking", "Network Connectivity", "Standard Data Transfer Out", "GB", "0.087", 1000, 20),
    _svc("Microsoft", "Azure Monitor", "Management and Governance", "Observability", "Analytics Logs Data Ingestion", "GB",
         "2.30", 30, 10, "Workspace", AZ_RES),
    _svc("Microsoft", "Azure AI Search", "Analytics", "Search", "Standard S1 Unit", "Hours", "0.336", 24, 5, "Search Service",
         AZ_RES),
    _svc("Microsoft", "Azure Databricks", "Analytics", "Data Processing", "Premium All-purpose Compute DBU", "Hours", "0.55",
         80, 15, "Workspace", AZ_RES),
    _svc("Microsoft", "Azure Functions", "Compute", "Serverless Compute", "Execution Time", "GB-Seconds", "0.000016", 4e5, 8,
         "Function App", AZ_RES),
    _svc("Microsoft", "Key Vault", "Security", "Secret Management", "Operations", "Requests", "0.000003", 1e5, 5, "Key Vault",
         AZ_RES),
    _svc("Microsoft", "Microsoft Defender for Cloud", "Security", "Security Posture Management", "Standard Node", "Hours",
         "0.02", 240, 5),
    _svc("Microsoft", "Azure AI Speech", "AI and Machine Learning", "Natural Language Processing", "Speech to Text Standard",
         "Hours", "1.00", 10, 3, "Cognitive Services Account", AZ_RES),
    # Google Cloud
    _vm("Google Cloud", "Compute Engine", "a3-highgpu-8g", "88.25", 15, gpu=True),
    _vm("Google Cloud", "Compute Engine", "a2-highgpu-1g", "3.67", 15, gpu=True),
    _vm("Google Cloud", "Compute Engine", "g2-standard-8", "0.85", 15, gpu=True),
    _vm("Google Cloud", "Compute Engine", "n2-standard-8", "0.3885", 30),
    _svc("Google Cloud", "Cloud Storage", "Storage", "Object Storage", "Standard Storage US Multi-region", "GB-Months", "0.026",
         2500, 25, "Bucket", "//storage.googleapis.com/projects/_/buckets/acme-{id}"),
    *_tokens("Google Cloud", "Vertex AI", "gemini-1.5-pro-002", {"input": "1.25", "output": "5.00"}, 15,
             category="AI and Machine Learning", subcategory="AI Platforms"),
    _svc("Google Cloud", "Vertex AI", "AI and Machine Learning", "AI Platforms", "Custom Training a2-highgpu-8g", "Hours",
         "33.82", 24, 8, "Custom Job", GCP_RES, instance="a2-highgpu-8g"),
    _svc("Google Cloud", "BigQuery", "Databases", "Data Warehouses", "Analysis", "TiB", "6.25", 3, 20, "Dataset", GCP_RES),
    _svc("Google Cloud", "Google Kubernetes Engine", "Compute", "Containers", "Cluster Management Fee", "Hours", "0.10", 24, 10,
         "Cluster", GCP_RES),
    _svc("Google Cloud", "Cloud SQL", "Databases", "Relational Databases", "vCPU", "Hours", "0.0413", 96, 10, "Instance", GCP_RES,
         commitable=True),
    _svc("Google Cloud", "Cloud Run", "Compute", "Serverless Compute", "CPU Allocation Time", "vCPU-Seconds", "0.000024", 5e5, 10,
         "Service", GCP_RES),
    _svc("Google Cloud", "Cloud Logging", "Management and Governance", "Observability", "Log Storage", "GB", "0.50", 50, 8),
    _svc("Google Cloud", "Cloud CDN", "Networking", "Content Delivery", "Cache Egress", "GB", "0.08", 900, 8),
    _svc("Google Cloud", "Cloud Pub/Sub", "Integration", "Messaging", "Message Delivery Basic", "TiB", "40", 0.5, 5, "Topic",
         GCP_RES),
    _svc("Google Cloud", "Cloud TPU", "AI and Machine Learning", "Machine Learning", "TPU v5p Chip Hours", "Hours", "4.20", 192,
         8, "TPU Node", GCP_RES),
    # Oracle
    _vm("Oracle", "Compute", "BM.GPU.H100.8", "80.00", 5, gpu=True),
    _vm("Oracle", "Compute", "VM.Standard.E4.Flex", "0.025", 10),
    _svc("Oracle", "Object Storage", "Storage", "Object Storage", "Object Storage - Storage", "GB-Months", "0.0255", 4000, 5,
         "Bucket", OCI_RES),
    _svc("Oracle", "Generative AI", "AI and Machine Learning", "Generative AI", "cohere.command-r-plus Characters",
         "10000 Characters", "0.0156", 300, 3, "Endpoint", OCI_RES, consumed_unit="10000 Characters",
         model="cohere.command-r-plus", publisher="Cohere"),
    _svc("Oracle", "Block Volume", "Storage", "Block Storage", "Block Volume - Storage", "GB-Months", "0.0255", 1000, 5, "Volume",
         OCI_RES),
    _svc("Oracle", "Networking", "Networking", "Network Connectivity", "Outbound Data Transfer", "GB", "0.0085", 3000, 5),
    # OpenAI
    *_tokens("OpenAI", "OpenAI API", "gpt-4o-2024-08-06", {"input": "2.50", "output": "10.00", "cached_input": "1.25"}, 20),
    *_tokens("OpenAI", "OpenAI API", "gpt-4o-mini-2024-07-18", {"input": "0.15", "output": "0.60", "cached_input": "0.075"}, 20),
    *_tokens("OpenAI", "OpenAI API", "o1-2024-12-17", {"input": "15.00", "output": "60.00"}, 8),
    *_tokens("OpenAI", "OpenAI API", "text-embedding-3-large", {"input": "0.13"}, 10),
    _svc("OpenAI", "ChatGPT Enterprise", "Business Applications", "Productivity and Collaboration", "ChatGPT Enterprise Seat",
         "Users", "60", 50, 1, frequency="Recurring"),
    # Anthropic
    *_tokens("Anthropic", "Claude API", "claude-3-5-sonnet-20241022",
             {"input": "3.00", "output": "15.00", "cached_input": "0.30", "cache_write": "3.75"}, 20),
    *_tokens("Anthropic", "Claude API", "claude-3-5-haiku-20241022", {"input": "0.80", "output": "4.00"}, 15),
    _svc("Anthropic", "Claude Team", "Business Applications", "Productivity and Collaboration", "Claude Team Seat", "Users",
         "30", 40, 1, frequency="Recurring"),
]


def _check_catalog() -> None:
    for s in SKUS:
        assert s.subcategory in SERVICE_SUBCATEGORIES[s.category], (s.service, s.category, s.subcategory)


def _values(rows: list[tuple]) -> str:
    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"
    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def _catalog_sql() -> list[str]:
    _check_catalog()
    skus = [(i, s.provider, s.service, s.category, s.subcategory, s.meter, s.pricing_unit, s.price, s.scale, s.weight,
             s.resource_type, s.resource, s.consumed_unit or s.pricing_unit, s.instance, s.model, s.token_type,
             s.publisher or s.provider, s.frequency, s.commitable, s.zonal, s.details) for i, s in enumerate(SKUS)]
    accounts = []
    for provider, (bas, subs) in ACCOUNTS.items():
        ba_type, sub_type, _, commitment = PROVIDERS[provider]
        for k, (sub_id, sub_name) in enumerate(subs):
            ba_id, ba_name, currency, discount = bas[k // 4]
            c_name, c_cat, c_type = commitment or (None, None, None)
            c_id = f"{ba_id}/commitments/{k // 4:02d}-{ba_name.lower().replace(' ', '-')}" if commitment else None
            accounts.append((provider, k, ba_id, ba_name, ba_type, currency, discount, sub_id, sub_name, sub_type,
                             c_id, c_name, c_cat, c_type, f"{provider[:3].upper()}{k // 4}"))
    regions = [(p, k, rid, rname) for p, spec in PROVIDERS.items() for k, (rid, rname) in enumerate(spec[2])]
    return [
        "CREATE TEMP TABLE skus (sku INT, provider VARCHAR, service VARCHAR, category VARCHAR, subcategory VARCHAR, "
        "meter VARCHAR, pricing_unit VARCHAR, price DECIMAL(38,10), scale DOUBLE, weight INT, resource_type VARCHAR, "
        "resource VARCHAR, consumed_unit VARCHAR, instance VARCHAR, model VARCHAR, token_type VARCHAR, publisher VARCHAR, "
        "frequency VARCHAR, commitable BOOLEAN, zonal BOOLEAN, details VARCHAR)",
        f"INSERT INTO skus VALUES {_values(skus)}",
        "CREATE TEMP TABLE slots AS SELECT sku, (row_number() OVER (ORDER BY sku, n) - 1)::BIGINT AS slot "
        "FROM (SELECT sku, unnest(range(weight)) AS n FROM skus)",
        "CREATE TEMP TABLE accounts (provider VARCHAR, k BIGINT, ba_id VARCHAR, ba_name VARCHAR, ba_type VARCHAR, "
        "currency VARCHAR, discount DECIMAL(8,4), sub_id VARCHAR, sub_name VARCHAR, sub_type VARCHAR, c_id VARCHAR, "
        "c_name VARCHAR, c_cat VARCHAR, c_type VARCHAR, invoice_prefix VARCHAR)",
        f"INSERT INTO accounts VALUES {_values(accounts)}",
        "CREATE TEMP TABLE regions (provider VARCHAR, k BIGINT, region_id VARCHAR, region_name VARCHAR)",
        f"INSERT INTO regions VALUES {_values(regions)}",
    ]


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


# Money: DECIMAL(38,10) end to end, so every amount has up to 10 decimal places and sums are exact.
_ROWS_SQL = """
WITH base AS (
    SELECT i,
           (TIMESTAMP '2024-07-01' + to_days((i * 365 // {n})::INTEGER)) AS day,
           (hash(i, 1) % (SELECT count(*) FROM slots))::BIGINT AS slot,
           (hash(i, 2) % 8)::BIGINT AS acct,
           (hash(i, 3) % 3)::BIGINT AS reg,
           (hash(i, 4) % 1000)::BIGINT AS kind_roll,
           (hash(i, 5) % 1000000)::DECIMAL(38,10) * 0.000001 AS u,
           (hash(i, 6) % 100)::BIGINT AS pricing_roll,
           (hash(i, 7) % 1000000007)::BIGINT AS h7,
           (hash(i, 8) % 100)::BIGINT AS tag_roll,
           (hash(i, 9) % 1000000007)::BIGINT AS h9
    FROM range({n}) t(i)
), joined AS (
    SELECT b.*, s.*, a.*, g.region_id, g.region_name,
           CASE WHEN kind_roll < 968 THEN 'Usage' WHEN kind_roll < 973 THEN CASE WHEN a.c_id IS NULL THEN 'Usage' ELSE 'Purchase' END
                WHEN kind_roll < 985 THEN 'Tax' WHEN kind_roll < 995 THEN 'Credit' ELSE 'Adjustment' END AS charge_category,
           date_trunc('month', day) AS period
    FROM base b JOIN slots USING (slot) JOIN skus s USING (sku)
    JOIN accounts a ON a.provider = s.provider AND a.k = b.acct
    JOIN regions g ON g.provider = s.provider AND g.k = b.reg
), usage AS (
    SELECT *,
           CASE WHEN charge_category = 'Usage' AND commitable AND c_id IS NOT NULL AND pricing_roll < 25 THEN 'Committed'
                WHEN charge_category = 'Usage' AND instance IS NOT NULL AND pricing_roll >= 90 THEN 'Dynamic'
                WHEN charge_category = 'Usage' THEN 'Standard'
                WHEN charge_category = 'Purchase' THEN 'Committed' END AS pricing_category,
           CASE WHEN token_type IS NOT NULL THEN round(u * scale::DECIMAL(38,4) + 1, 0) END AS tokens
    FROM joined
), quantities AS (
    SELECT *,
           CASE WHEN charge_category = 'Usage' THEN
                CASE WHEN tokens IS NOT NULL THEN (tokens * 0.000001)::DECIMAL(38,10)
                     ELSE round(u * scale::DECIMAL(38,6) + 0.000001, 6)::DECIMAL(38,10) END END AS pq,
           round(price * discount, 10)::DECIMAL(38,10) AS contracted_price
    FROM usage
), priced AS (
    SELECT *,
           CASE WHEN charge_category = 'Usage' THEN round(price * pq, 10)::DECIMAL(38,10)
                ELSE round(u * (CASE charge_category WHEN 'Purchase' THEN 4000 WHEN 'Tax' THEN 40 ELSE 150 END)
                     * (CASE WHEN charge_category = 'Credit' OR (charge_category = 'Adjustment' AND h9 % 2 = 0) THEN -1
                             ELSE 1 END), 2)::DECIMAL(38,10)
           END AS list_cost,
           CASE WHEN charge_category = 'Usage' THEN round(contracted_price * pq, 10)::DECIMAL(38,10) END AS usage_contracted
    FROM quantities
), costs AS (
    SELECT *,
           coalesce(usage_contracted, list_cost) AS contracted_cost,
           CASE WHEN pricing_category = 'Committed' AND charge_category = 'Usage' THEN round(usage_contracted * 0.72, 10)
                WHEN pricing_category = 'Dynamic' THEN round(usage_contracted * 0.35, 10)
                WHEN charge_category = 'Purchase' THEN 0
                ELSE coalesce(usage_contracted, list_cost) END::DECIMAL(38,10) AS effective_cost
    FROM priced
), final AS (
    SELECT *,
           CASE WHEN pricing_category = 'Committed' AND charge_category = 'Usage' THEN 0::DECIMAL(38,10)
                WHEN charge_category = 'Purchase' THEN list_cost
                ELSE effective_cost END AS billed_cost,
           coalesce(resource_type IS NOT NULL AND charge_category = 'Usage', false) AS has_resource,
           printf('%x', h7 % (CASE WHEN instance IS NOT NULL THEN 400 ELSE 3000 END)) AS rid,
           {teams}[((acct * 3 + h9 % 3) % 8) + 1] AS team,
           {projects}[(h9 // 7 % 12) + 1] AS project,
           ['prod', 'prod', 'staging', 'dev'][(h9 // 97 % 4) + 1] AS env
    FROM costs
)
SELECT
    CASE WHEN zonal THEN region_id || ['a', 'b', 'c'][(h7 % 3) + 1] END AS AvailabilityZone,
    billed_cost AS BilledCost,
    ba_id AS BillingAccountId,
    ba_name AS BillingAccountName,
    ba_type AS BillingAccountType,
    currency AS BillingCurrency,
    (period + INTERVAL 1 MONTH)::TIMESTAMPTZ AS BillingPeriodEnd,
    period::TIMESTAMPTZ AS BillingPeriodStart,
    CASE WHEN pricing_category = 'Committed' AND instance IS NOT NULL AND h9 % 5 = 0
         THEN 'cr-0' || printf('%x', h9 % 97) END AS CapacityReservationId,
    CASE WHEN pricing_category = 'Committed' AND instance IS NOT NULL AND h9 % 5 = 0 THEN 'Used' END
        AS CapacityReservationStatus,
    charge_category AS ChargeCategory,
    CASE WHEN charge_category = 'Adjustment' AND h9 % 3 = 0 THEN 'Correction' END AS ChargeClass,
    CASE charge_category
        WHEN 'Usage' THEN printf('$%s per %s', price::DECIMAL(18,4)::VARCHAR, meter)
        WHEN 'Purchase' THEN c_name || ' fee'
        WHEN 'Tax' THEN 'Sales tax for ' || service
        WHEN 'Credit' THEN 'Promotional credit applied to ' || service
        ELSE 'Billing adjustment for ' || service END AS ChargeDescription,
    CASE charge_category WHEN 'Usage' THEN frequency WHEN 'Purchase' THEN 'Recurring' WHEN 'Tax' THEN 'Recurring'
        ELSE 'One-Time' END AS ChargeFrequency,
    (day + INTERVAL 1 DAY)::TIMESTAMPTZ AS ChargePeriodEnd,
    day::TIMESTAMPTZ AS ChargePeriodStart,
    CASE WHEN pricing_category = 'Committed' THEN c_cat END AS CommitmentDiscountCategory,
    CASE WHEN pricing_category = 'Committed' THEN c_id END AS CommitmentDiscountId,
    CASE WHEN pricing_category = 'Committed' THEN c_name END AS CommitmentDiscountName,
    CASE WHEN pricing_category = 'Committed' AND charge_category = 'Usage' THEN
         CASE WHEN c_cat = 'Spend' THEN effective_cost ELSE pq END END AS CommitmentDiscountQuantity,
    CASE WHEN pricing_category = 'Committed' AND charge_category = 'Usage' THEN 'Used' END AS CommitmentDiscountStatus,
    CASE WHEN pricing_category = 'Committed' THEN c_type END AS CommitmentDiscountType,
    CASE WHEN pricing_category = 'Committed' AND charge_category = 'Usage' THEN
         CASE WHEN c_cat = 'Spend' THEN currency ELSE pricing_unit END END AS CommitmentDiscountUnit,
    CASE WHEN charge_category = 'Usage' THEN coalesce(tokens::DECIMAL(38,10), pq) END AS ConsumedQuantity,
    CASE WHEN charge_category = 'Usage' THEN consumed_unit END AS ConsumedUnit,
    contracted_cost AS ContractedCost,
    CASE WHEN charge_category = 'Usage' THEN contracted_price END AS ContractedUnitPrice,
    effective_cost AS EffectiveCost,
    invoice_prefix || '-' || strftime(period, '%Y%m') || '-' || printf('%06d', acct * 7919 % 1000000) AS InvoiceId,
    provider AS InvoiceIssuerName,
    list_cost AS ListCost,
    CASE WHEN charge_category = 'Usage' THEN price END AS ListUnitPrice,
    pricing_category AS PricingCategory,
    currency AS PricingCurrency,
    CASE WHEN charge_category = 'Usage' THEN contracted_price END AS PricingCurrencyContractedUnitPrice,
    effective_cost AS PricingCurrencyEffectiveCost,
    CASE WHEN charge_category = 'Usage' THEN price END AS PricingCurrencyListUnitPrice,
    pq AS PricingQuantity,
    CASE WHEN charge_category = 'Usage' THEN pricing_unit END AS PricingUnit,
    provider AS ProviderName,
    publisher AS PublisherName,
    region_id AS RegionId,
    region_name AS RegionName,
    CASE WHEN has_resource THEN replace(replace(replace(resource, '{{region}}', coalesce(region_id, 'global')),
         '{{account}}', sub_id), '{{id}}', rid) END AS ResourceId,
    CASE WHEN has_resource THEN lower(replace(resource_type, ' ', '-')) || '-' || team || '-' || rid END AS ResourceName,
    CASE WHEN has_resource THEN resource_type END AS ResourceType,
    category AS ServiceCategory,
    service AS ServiceName,
    subcategory AS ServiceSubcategory,
    CASE WHEN charge_category IN ('Usage', 'Purchase') THEN printf('%s-%04d', upper(left(provider, 3)), sku) END AS SkuId,
    CASE WHEN charge_category = 'Usage' THEN meter END AS SkuMeter,
    CASE WHEN charge_category <> 'Usage' THEN NULL
         WHEN instance IS NOT NULL THEN '{{"InstanceType":"' || instance || '","OperatingSystem":"Linux","Tenancy":"Shared"}}'
         WHEN token_type IS NOT NULL THEN '{{"ModelId":"' || model || '","TokenType":"' || token_type || '"}}'
         ELSE details END AS SkuPriceDetails,
    CASE WHEN charge_category IN ('Usage', 'Purchase') THEN printf('%s-%04d-%s-%s', upper(left(provider, 3)), sku,
         coalesce(region_id, 'global'), coalesce(pricing_category, 'Standard')) END AS SkuPriceId,
    sub_id AS SubAccountId,
    sub_name AS SubAccountName,
    sub_type AS SubAccountType,
    CASE WHEN tag_roll >= 70 THEN NULL
         ELSE '{{"team":"' || team || '"'
              || CASE WHEN tag_roll < 60 THEN ',"project":"' || project || '"' ELSE '' END
              || CASE WHEN tag_roll < 56 THEN ',"environment":"' || env || '"' ELSE '' END
              || CASE WHEN tag_roll < 8 THEN ',"cost-center":"CC-' || (4100 + acct)::VARCHAR || '"' ELSE '' END
              || CASE WHEN tag_roll < 30 AND has_resource THEN ',"Name":"' || team || '-' || rid || '"' ELSE '' END
              || CASE WHEN tag_roll < 12 AND instance IS NOT NULL
                      THEN ',"ai-workload":"' || ['training', 'inference', 'experiment'][(h7 // 11 % 3) + 1] || '"'
                      ELSE '' END
              || '}}' END AS Tags
FROM final
"""

_TIMESTAMPS = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")


def dataset(rows: int, fmt: str) -> Path:
    """The cached FOCUS file of ``rows`` rows in ``fmt`` (parquet or csv), generated when missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    parquet = DATA / f"focus12-v{GENERATOR_VERSION}-{rows}.parquet"
    target = parquet if fmt == "parquet" else parquet.with_suffix(".csv")
    if target.exists():
        return target
    con = duckdb.connect(config={"temp_directory": str(DATA / "tmp")})
    con.execute("SET TimeZone = 'UTC'")
    if not parquet.exists():
        started = time.perf_counter()
        for stmt in _catalog_sql():
            con.execute(stmt)
        sql = _ROWS_SQL.format(n=rows, teams=_list(TEAMS), projects=_list(PROJECTS))
        names = [d[0] for d in con.sql(f"SELECT * FROM ({sql}) LIMIT 0").description]
        assert names == [c.name for c in FOCUS_12_COLUMNS], set(names) ^ {c.name for c in FOCUS_12_COLUMNS}
        tmp = parquet.with_suffix(".parquet.tmp")
        con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet)")
        tmp.rename(parquet)
        print(f"  generated {parquet.name} ({_size(parquet)}) in {time.perf_counter() - started:.1f}s", flush=True)
    if fmt == "csv":
        started = time.perf_counter()
        stamps = ", ".join(f"strftime({c}, '%Y-%m-%dT%H:%M:%SZ') AS {c}" for c in _TIMESTAMPS)
        tmp = target.with_suffix(".csv.tmp")
        con.execute(f"COPY (SELECT * REPLACE ({stamps}) FROM read_parquet('{parquet}')) TO '{tmp}' (FORMAT csv, HEADER)")
        tmp.rename(target)
        print(f"  generated {target.name} ({_size(target)}) in {time.perf_counter() - started:.1f}s", flush=True)
    con.close()
    return target


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:,.0f} MiB"
