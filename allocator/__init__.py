"""allocator — divides a district's annual quota of Beijing Work Residence Permits.

《北京市工作居住证》办证指标分配工具：读取各单位申报需求，按政策（东人社发〔2019〕317号）与方案参数，
用整数规划（OR-Tools CP-SAT）在年度总量内分配指标，并给出可解释、可复现的分配方案。
"""

__version__ = "0.1.0"
