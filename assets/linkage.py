"""`sources/<name>/links`: one step, or a graph of steps over hash buckets of the records.

With LINEAGE_LINK_BUCKETS=N the asset is a graph: a plan shared by every bucket, N compare
steps (blocking and comparisons, the costly part), one training step on all of their level
counts, N scoring steps and a combining step. An executor that runs steps in parallel
(`multiprocess_executor` here, `k8s_job_executor` or `celery_executor` across machines) runs the
buckets at once; the links are exactly those of the one-step asset.
"""

import dagster as dg

from assets.metadata import markdown_table, source_key, table_metadata
from lineage_pipeline.contracts import Contract
from lineage_pipeline.link import (
    Compared,
    LinkPlan,
    LinkResult,
    ScoredBucket,
    combine,
    compare_bucket,
    link_plan,
    link_source,
    score_bucket,
    train_model,
)
from lineage_pipeline.link.histogram import probability_histogram
from lineage_pipeline.link.model import MatchModel
from lineage_pipeline.stages import StandardisedSource, customer_index


def links_metadata(contract: Contract, records: int, result: LinkResult) -> dict:
    rate = result.linked_records / records if records else 0.0
    passes = [
        {"pass": k, "pairs": "skipped: not selective at this size" if v < 0 else v}
        for k, v in result.candidates_per_pass.items()
    ]
    decisions = result.evidence["decision"].value_counts().to_dict() if len(result.evidence) else {}
    return {
        **table_metadata(result.links),
        "candidate_pairs": result.candidate_pairs,
        "candidates_per_pass": markdown_table(passes),
        "linked_records": result.linked_records,
        "match_rate": dg.MetadataValue.float(round(rate, 4)),
        "match_probability_histogram": dg.MetadataValue.md(
            probability_histogram(result.probabilities, contract.match.threshold)
        ),
        "decisions": dg.MetadataValue.json(decisions),
    }


def _ins(contract: Contract, customers_contract: Contract) -> dict[str, dg.AssetIn]:
    return {
        "identities": dg.AssetIn(key=source_key(contract.name, "identities")),
        "customers": dg.AssetIn(key=source_key(customers_contract.name, "identities")),
    }


def _description(contract: Contract, buckets: int) -> str:
    split = f", in {buckets} buckets" if buckets > 1 else ""
    return (
        f"{contract.name} records linked to customers by recordlinkage and a Fellegi-Sunter "
        f"model (threshold {contract.match.threshold}{split})."
    )


def links_asset(
    contract: Contract, customers_contract: Contract, buckets: int = 1
) -> dg.AssetsDefinition:
    if buckets > 1:
        return _bucketed_links_asset(contract, customers_contract, buckets)

    @dg.asset(
        key=source_key(contract.name, "links"),
        group_name=contract.name,
        ins=_ins(contract, customers_contract),
        description=_description(contract, 1),
        kinds={"recordlinkage"},
    )
    def links(
        context: dg.AssetExecutionContext,
        identities: StandardisedSource,
        customers: StandardisedSource,
    ) -> LinkResult:
        customer_identities, customer_ids = customer_index(customers)
        result = link_source(contract, identities.identities, customer_identities, customer_ids)
        context.add_output_metadata(links_metadata(contract, len(identities.identities), result))
        return result

    return links


def _bucketed_links_asset(
    contract: Contract, customers_contract: Contract, buckets: int
) -> dg.AssetsDefinition:
    name = contract.name  # op names are global: each source gets its own

    @dg.op(name=f"{name}__link_plan")
    def plan(identities: StandardisedSource, customers: StandardisedSource) -> LinkPlan:
        """What every bucket shares: fields compared, blocking passes kept, chance pairs."""
        return link_plan(contract, identities.identities, customer_index(customers)[0])

    def compare_step(bucket: int) -> dg.OpDefinition:
        @dg.op(name=f"{name}__compare_{bucket}")
        def compare(
            plan: LinkPlan, identities: StandardisedSource, customers: StandardisedSource
        ) -> Compared:
            """Block and compare one bucket of the records."""
            customer_identities, customer_ids = customer_index(customers)
            return compare_bucket(
                plan, identities.identities, customer_identities, customer_ids, bucket, buckets
            )

        return compare

    @dg.op(name=f"{name}__train")
    def train(plan: LinkPlan, compared: list[Compared]) -> MatchModel | None:
        """One model, trained on the level counts of every bucket."""
        return train_model(plan, compared)

    @dg.op(name=f"{name}__score")
    def score(plan: LinkPlan, model: MatchModel | None, compared: Compared) -> ScoredBucket:
        """Score one bucket's pairs and decide its links."""
        return score_bucket(plan, model, compared)

    @dg.op(name=f"{name}__combine")
    def combined(
        context: dg.OpExecutionContext,
        plan: LinkPlan,
        scored: list[ScoredBucket],
        identities: StandardisedSource,
    ) -> LinkResult:
        """The buckets' links and evidence as one result."""
        result = combine(scored, plan)
        context.add_output_metadata(links_metadata(contract, len(identities.identities), result))
        return result

    @dg.graph_asset(
        key=source_key(contract.name, "links"),
        group_name=contract.name,
        ins=_ins(contract, customers_contract),
        description=_description(contract, buckets),
        kinds={"recordlinkage"},
    )
    def links(identities, customers):
        shared = plan(identities, customers)
        compared = [compare_step(b)(shared, identities, customers) for b in range(buckets)]
        model = train(shared, compared)
        scored = [
            score.alias(f"{name}__score_{b}")(shared, model, part)
            for b, part in enumerate(compared)
        ]
        return combined(shared, scored, identities)

    return links
