"""The bank message API's broker side: subscription topology and dead-lettering.

The contract itself is docs/asyncapi.yaml; a bank's reference client is examples/bank_client/.
"""
