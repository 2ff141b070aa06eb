"""activity_evidence: the means of verification of an activity, a link (http/https) or a file kept outside
the database under a document key

Revision ID: f2b4d6e8a0c3
Revises: e1a3c5e7f9b2
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f2b4d6e8a0c3'
down_revision = 'e1a3c5e7f9b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('document_key', sa.String(length=200), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('link', 'file')", name=op.f('ck_activity_evidence_kind_known')),
    sa.CheckConstraint("(kind = 'link' AND url IS NOT NULL AND document_key IS NULL) OR "
                       "(kind = 'file' AND document_key IS NOT NULL AND url IS NULL)",
                       name=op.f('ck_activity_evidence_link_or_file')),
    sa.CheckConstraint("url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'",
                       name=op.f('ck_activity_evidence_url_http')),
    sa.CheckConstraint('size_bytes IS NULL OR size_bytes >= 0', name=op.f('ck_activity_evidence_size_positive')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'],
                            name=op.f('fk_activity_evidence_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'],
                            name=op.f('fk_activity_evidence_added_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_evidence')),
    sa.UniqueConstraint('document_key', name=op.f('uq_activity_evidence_document_key'))
    )
    with op.batch_alter_table('activity_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_evidence_activity_id'), ['activity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('activity_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_evidence_activity_id'))
    op.drop_table('activity_evidence')
