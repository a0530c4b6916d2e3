"""The one MetaData object every warehouse table registers on."""

import sqlalchemy as sa

metadata = sa.MetaData()
