"""Guanjia (管家): the service operation of a property-management company."""
