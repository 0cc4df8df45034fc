"""initial schema: the data contract sheets and allocation runs

Revision ID: 0001
Revises:
Create Date: 2026-11-30 04:26:23.044803
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allocation_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scenario_name', sa.Text(), nullable=False),
    sa.Column('scenario', sa.JSON(), nullable=False),
    sa.Column('dataset_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('objective', sa.Float(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_runs'))
    )
    with op.batch_alter_table('allocation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_runs_scenario_name'), ['scenario_name'], unique=False)

    op.create_table('appraisals',
    sa.Column('plan_code', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('appraised_on', sa.Date(), nullable=True),
    sa.Column('appraiser', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('plan_code', 'stage', name=op.f('pk_appraisals'))
    )
    op.create_table('budget_lines',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_budget_lines'))
    )
    op.create_table('channel_requirements',
    sa.Column('retailer_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('requires', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('retailer_code', name=op.f('pk_channel_requirements'))
    )
    op.create_table('demand',
    sa.Column('retailer_code', sa.String(length=64), nullable=False),
    sa.Column('product_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('annual_demand', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('retailer_code', 'product_code', name=op.f('pk_demand'))
    )
    op.create_table('links',
    sa.Column('from_code', sa.String(length=64), nullable=False),
    sa.Column('to_code', sa.String(length=64), nullable=False),
    sa.Column('product_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=False),
    sa.Column('volume', sa.Float(), nullable=False),
    sa.Column('contract', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('from_code', 'to_code', 'product_code', name=op.f('pk_links'))
    )
    op.create_table('organizations',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('region_code', sa.String(length=64), nullable=False),
    sa.Column('is_new', sa.Boolean(), nullable=False),
    sa.Column('certifications', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_organizations'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_region_code'), ['region_code'], unique=False)

    op.create_table('plan_requests',
    sa.Column('plan_code', sa.String(length=64), nullable=False),
    sa.Column('budget_line_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('plan_code', 'budget_line_code', name=op.f('pk_plan_requests'))
    )
    op.create_table('plans',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=64), nullable=False),
    sa.Column('organization_code', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('expected_score', sa.Float(), nullable=True),
    sa.Column('creates_new_product', sa.Boolean(), nullable=False),
    sa.Column('creates_organization', sa.Boolean(), nullable=False),
    sa.Column('enters_supermarket', sa.Boolean(), nullable=False),
    sa.Column('adds_e_stamp', sa.Boolean(), nullable=False),
    sa.Column('joins_safe_food_chain', sa.Boolean(), nullable=False),
    sa.Column('new_links', sa.JSON(), nullable=False),
    sa.Column('success_probability', sa.Float(), nullable=False),
    sa.Column('priority_points', sa.Float(), nullable=False),
    sa.Column('requires_plan', sa.String(length=64), nullable=True),
    sa.Column('excludes_plans', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_product_code'), ['product_code'], unique=False)

    op.create_table('products',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('group', sa.String(length=16), nullable=False),
    sa.Column('producer_code', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=64), nullable=False),
    sa.Column('chain_tier', sa.String(length=16), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('ocop_score', sa.Float(), nullable=True),
    sa.Column('e_stamp', sa.Boolean(), nullable=False),
    sa.Column('barcode', sa.Boolean(), nullable=False),
    sa.Column('safe_food_chain', sa.Boolean(), nullable=False),
    sa.Column('needs_processing', sa.Boolean(), nullable=False),
    sa.Column('annual_output', sa.Float(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_producer_code'), ['producer_code'], unique=False)

    op.create_table('regions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )


def downgrade() -> None:
    op.drop_table('regions')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_producer_code'))

    op.drop_table('products')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_product_code'))

    op.drop_table('plans')
    op.drop_table('plan_requests')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_region_code'))

    op.drop_table('organizations')
    op.drop_table('links')
    op.drop_table('demand')
    op.drop_table('channel_requirements')
    op.drop_table('budget_lines')
    op.drop_table('appraisals')
    with op.batch_alter_table('allocation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_runs_scenario_name'))

    op.drop_table('allocation_runs')
